# syntax=docker/dockerfile:1
# One image for every gim app:
#   docker build -t gim .
#   docker run --rm gim <app>     # business, logic, tcp-gateway, ws-gateway, file or standalone
# apps/e2e/src/deploy/image.e2e-spec.ts replays these steps outside a container, so keep to what it replays:
# FROM, ARG, ENV, WORKDIR, COPY and RUN (paths relative to WORKDIR; apt-get only installs build tools).

ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only. better-sqlite3 compiles from source when no prebuilt binary fits the platform.
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The apps compiled by SWC (a production dependency) into dist/apps/<app>/, and an empty data folder.
FROM deps AS build
ARG GIM_APPS="business logic tcp-gateway ws-gateway file standalone"
COPY tsconfig.base.json ./
COPY tools/scripts/build.mjs tools/scripts/
COPY libs libs
COPY apps apps
RUN for app in $GIM_APPS; do node tools/scripts/build.mjs "apps/$app"; done \
  && mkdir -p data/files

# Runtime: node, production node_modules, the compiled apps, proto/ and sql/ (the apps find both by walking up
# from dist/), run as an unprivileged user. data/ (standalone's SQLite files, the file app's files) is the
# only folder that user may write: mount a volume there.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    GIM_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY proto proto
COPY sql sql
COPY --chmod=755 deploy/image/entrypoint.sh entrypoint.sh
COPY --from=build --chown=1000:1000 /app/data data
USER 1000:1000
# Clients: 8001 TCP, 8002 WebSocket, 8010 logic and 8020 business gRPC, 8085 files; 8003/8004 gateways' gRPC;
# operations HTTP (/healthz, /readyz, /metrics): 9001 tcp-gateway, 9002 ws-gateway, 9010 logic, 9020 business,
# 9085 file, 9000 standalone.
EXPOSE 8001 8002 8003 8004 8010 8020 8085 9000 9001 9002 9010 9020 9085
ENTRYPOINT ["/app/entrypoint.sh"]
