# One image for every Skiff component. Build: docker build --network host -t skiff .
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /skiff
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY packages/api/package.json packages/api/
COPY packages/client/package.json packages/client/
COPY packages/controller-kit/package.json packages/controller-kit/
COPY apps/api-server/package.json apps/api-server/
RUN npm ci --no-audit --no-fund
COPY packages packages
COPY apps apps
RUN npx turbo run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /skiff
COPY --from=build /skiff /skiff
RUN mkdir -p /data && chown -R node:node /data 2>/dev/null || (useradd -r -u 1000 skiff && chown -R 1000:1000 /data)
USER 1000
ENV SKIFF_LISTEN=0.0.0.0:8080 SKIFF_DATA_DIR=/data
EXPOSE 8080
CMD ["node", "apps/api-server/dist/main.js"]
