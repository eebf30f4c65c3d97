# One image for every Skiff component (api-server, scheduler, controller-manager, node-agent).
#   docker build --network host -t skiff:dev .
#   docker run --rm skiff:dev node apps/<component>/dist/main.js --help
# Layers are ordered for the cache: the slow `npm ci` (better-sqlite3 compiles from source) reruns only when a
# package.json or the lockfile changes; a source edit rebuilds only the TypeScript.

# manifests: just the package.json files and the lockfile, at their places, so `npm ci` below is cached on them
# alone and new workspaces need no edit here.
FROM node:20-bookworm-slim AS manifests
WORKDIR /skiff
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete && find . -type d -empty -delete

FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /skiff
COPY --from=manifests /skiff ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx turbo run build --output-logs=errors-only \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .turbo node_modules/.cache

# runtime: no compiler, no dev dependencies. Runs as the unprivileged user `skiff` (uid 10001); the node agent and
# the pod reaper need the Docker socket, whose group differs from host to host, so docker-compose.yml runs those
# two as root (or give them the socket's group with `group_add`).
FROM node:20-bookworm-slim
RUN (getent group skiff || groupadd -r -g 10001 skiff) \
 && (getent passwd skiff || useradd -r -u 10001 -g skiff -d /skiff -s /usr/sbin/nologin skiff) \
 && mkdir -p /data && chown skiff:skiff /data
WORKDIR /skiff
COPY --from=build /skiff ./
ENV NODE_ENV=production
USER skiff
EXPOSE 8080
CMD ["node", "apps/api-server/dist/main.js", "--listen", "0.0.0.0:8080", "--data-dir", "/data"]
