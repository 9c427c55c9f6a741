# One image for the four services; APP picks which one runs (gateway, orchestrator, triggers, interventions).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ARG APP=gateway
ENV NODE_ENV=production APP=${APP}
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/apps/interventions/fixtures ./apps/interventions/fixtures
USER node
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]
