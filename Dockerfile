# syntax=docker/dockerfile:1
# Helpdesk Auth server image: docs/deployment.md. The build stage runs scripts/image/build.ts,
# the same script CI runs into a scratch folder (scripts/image/build.test.ts), so what this
# image holds is tested without a container engine.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Built as the user the server runs as (node, uid 1000): Node's compile cache is kept per user id,
# so the cache warmed here is the one the server finds.
RUN mkdir -p /src /app && chown node:node /src /app
USER node
WORKDIR /src
# The manifests first, so the dependency layer is reused while only sources change.
COPY --chown=node:node package.json package-lock.json ./
COPY --chown=node:node packages/core/package.json packages/core/
COPY --chown=node:node packages/device-sdk/package.json packages/device-sdk/
COPY --chown=node:node packages/client/package.json packages/client/
COPY --chown=node:node packages/server/package.json packages/server/
COPY --chown=node:node packages/widget/package.json packages/widget/
COPY --chown=node:node apps/console/package.json apps/console/
COPY --chown=node:node apps/authenticator/package.json apps/authenticator/
RUN npm ci --no-audit --no-fund
COPY --chown=node:node . .
# Builds the console and the authenticator, copies the server's sources without tests, installs
# only production dependencies into /app and warms Node's compile cache there.
RUN node scripts/image/build.ts /app

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HELPDESK_AUTH_MODE=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    NODE_COMPILE_CACHE=/app/.node-compile-cache
# Owned by root (COPY --from without --chown) and read-only to the server; only the data folder
# (SQLite, when no DATABASE_URL is set) is the server's to write.
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
WORKDIR /app
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM stops the server gracefully (docs/deployment.md); node runs as PID 1 and handles it.
STOPSIGNAL SIGTERM
CMD ["node", "packages/server/bin/helpdesk-auth.js", "serve"]
