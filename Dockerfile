# syntax=docker/dockerfile:1
# labops image: one image, two roles (LABOPS_ROLE=bot|worker), see docker-compose.yml.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src/ ./src/
# TypeScript to plain JavaScript (dist/): the image runs node on it, without a TypeScript loader.
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
# git: /app add commits the app_list change and pushes it to GIT_REMOTE.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HTTP_PORT=3000 \
    LABOPS_CONFIG=/app/config/labops.yaml
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist/ ./dist/
COPY config/ ./config/
COPY config_contexts/ ./config_contexts/
# Non-root: the node image's "node" user (uid 1000); .labops/ holds the worker's Git checkout.
RUN mkdir -p /app/.labops && chown node:node /app/.labops
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 3000) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
