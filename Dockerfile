# syntax=docker/dockerfile:1
# ml-service image. Stages:
#   toolchain: node + python3/make/g++, so better-sqlite3 can compile when no prebuilt binary fits
#   build:     every dependency, then `npm run build` into dist/
#   deps:      production dependencies only
#   runtime:   slim node + deps + dist, running as the unprivileged `node` user (uid 1000)
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

FROM toolchain AS build
# Manifests first so the dependency layer is cached until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM toolchain AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production SERVICE_PORT=4004
WORKDIR /app
# Root-owned and so read-only to the `node` user: a compromised process cannot rewrite the app.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The dashboard is plain JavaScript served from its source folder.
COPY dashboard ./dashboard
COPY package.json ./
USER node
EXPOSE 4004
# Slim images have no curl; Node 20's global fetch does the probe. Liveness only: /health answers
# while the first model is still training, so a fresh container is not marked unhealthy for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SERVICE_PORT || 4004) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Not `npm start`: its prestart hook would rebuild, and npm would sit between SIGTERM and the app.
CMD ["node", "dist/src/main.js"]
