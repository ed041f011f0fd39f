# Flowgate's server (npm start) as an image:
#   docker build -t flowgate .
#   docker run --env-file .env -v "$PWD/flowgate.private-key.pem:/run/secrets/flowgate.pem:ro" \
#     -e PRIVATE_KEY_PATH=/run/secrets/flowgate.pem -p 3000:3000 flowgate
# Secrets are never in the image: .dockerignore lets in only what the build needs, and
# the key, the webhook secret and the rest come from the environment at run time.
# docs/deploy.md has the variables, the health checks and the metrics.

# The build: every dependency, and the TypeScript compiler, to produce dist/.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: `prepare` would build before the sources are here (the build is the next step).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# The image that runs: production dependencies only, the built dist/, and the schemas
# the flow validator reads beside it; as the unprivileged `node` user.
FROM node:20-slim AS run
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY app.yml ./
USER node
EXPOSE 3000
# Liveness: the process answers on its own port (node:20-slim has no curl). A load
# balancer should probe GET /readyz, which also checks the key and Redis.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM stops it cleanly (in-flight webhooks fail and are redelivered by the sweep).
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
