import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most files wait on timers, sockets and fake servers rather than the CPU: three forks overlap the
    // waiting on a 2-core machine (vitest's default would be one fork there).
    poolOptions: { forks: { minForks: 1, maxForks: 3 } },
    reporters: ["default"],
  },
});
