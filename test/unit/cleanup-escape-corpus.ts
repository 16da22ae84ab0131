/** Names that try to escape the share, hide in encodings, or only look like OCP folders. */
export const ESCAPE_CORPUS = [
  "", ".", "..", "/", "//", "\\", "~", "~root", "-rf", "*", "ocp-*-2024-01-01",
  "../ocp-a-2024-01-01", "ocp-a-2024-01-01/..", "ocp-a-2024-01-01/../../etc", "ocp-a-2024-01-01/", "ocp-a-2024-01-01/.",
  "/etc/passwd", "/mnt/Media/docker-media/ocp-a-2024-01-01", "/mnt/Media/backups/ocp-keep", "ocp-a-2024-01-01\\..\\x", "..\\..",
  "ocp-a-2024-01-01\0", "ocp-a-2024-01-01\0/../../etc", "ocp-a-2024-01-01%00",
  "%2e%2e", "%2E%2E", "%2e%2e%2fetc", "..%2f", "%2f", "%2F", "ocp-a-2024-01-01%2f..", "ocp%2Da-2024-01-01", "%252e%252e%252f", "%25252e",
  "%c0%ae%c0%ae", "%u002e%u002e", "ocp-a-2024-01-01%20",
  "ocp\u2010sno01-2025-03-14", "ocp-sno01\u20132025-03-14", "ocp-\u0455no01-2025-03-14", "\uff4fcp-a-2024-01-01", "ocp-a-\uff12\uff10\uff12\uff14-01-01",
  "ocp-sno01-2025-03-14\u200b", "\u202eocp-sno01-2025-03-14", "ocp-sno01-2025-03-14\ufeff", "ocp-a-2024-01-01\u2024\u2024", "\u2025", "ocp-a-2024-01-01\u2215x",
  "ocp-a-2024-01-01\uff0f..", "ocp-a-2024-01-01\ud800", "ocp-a-2024-01-01\u0085", "ocp-a-2024-01-01\u00a0",
  "ocp-sno01-2025-03-14\n", "ocp-sno01-2025-03-14\r", "\tocp-sno01-2025-03-14", "ocp-sno01-2025-03-14 ", " ocp-sno01-2025-03-14", "ocp-sno01-2025-03-14\u007f", "ocp-a\u001b[2J-2024-01-01",
  ".ocp-a-2024-01-01", "..ocp-a-2024-01-01", "ocp-a..b-2024-01-01", "ocp-a-2024-01-01.", "ocp-sno01-2025-03-14.bak",
  "$(rm -rf /)", "ocp-a-2024-01-01;rm -rf /", "ocp-a-2024-01-01 && rm -rf /", "`id`", "ocp-a-2024-01-01|x", "ocp-{a,b}-2024-01-01",
  "traefik", "portainer", "OCP-SNO01-2025-03-14", "ocp-sno01-2025-3-14", "ocp--2025-03-14", "ocp-2025-03-14", "ocp-sno01-25-03-14", "xocp-sno01-2025-03-14",
  `ocp-${"a".repeat(200)}-2024-01-01`, "ocp-sno01-2025-03-14/ocp-sno01-2025-03-14",
];
