# syntax=docker/dockerfile:1
# Huiyin's production image: one image, two processes. The API is the default command; the worker is
#   docker run … huiyin node --import tsx worker/main.ts
# deploy/compose.yaml runs both with Temporal, PostgreSQL and MongoDB; docs/operations.md explains it.

ARG NODE_IMAGE=node:20-slim

# Build: every dependency, then the workflow code bundled once (worker/bundle.ts), so workers start
# fast and run exactly the bundle that was built; then the dev dependencies are dropped.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:workflows && npm prune --omit=dev --no-audit --no-fund

# Runtime: production dependencies, the sources tsx runs, the bundle; owned by root, run as the image's
# `node` user (uid 1000; numeric, so a cluster can verify it is not root).
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json /app/tsconfig.json /app/config.ts /app/notify.config.ts /app/temporal.config.ts ./
COPY --from=build /app/activities ./activities
COPY --from=build /app/api ./api
COPY --from=build /app/domain ./domain
COPY --from=build /app/infra ./infra
COPY --from=build /app/store ./store
COPY --from=build /app/web ./web
COPY --from=build /app/worker ./worker
COPY --from=build /app/workflows ./workflows
COPY --from=build /app/deploy/healthcheck.mjs ./deploy/healthcheck.mjs
USER 1000:1000
# The API, and the worker's metrics listener (HUIYIN_WORKER_METRICS_PORT).
EXPOSE 3000 9464
# Knows which process it runs: the API answers /healthz, the worker its metrics listener.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
CMD ["node", "--import", "tsx", "api/main.ts"]
