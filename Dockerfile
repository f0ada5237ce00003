# syntax=docker/dockerfile:1
# Jingjie 净界: build the static site (app + onnxruntime runtime + models), then serve it with
# nginx as a non-root user on port 8080. Everything runs in the browser; the container only
# serves files. Build: docker build -t jingjie .   Run: docker run -p 8080:8080 jingjie

# nginx-unprivileged: the stock nginx image with nginx running as uid 101, listening on 8080.
# Pin a digest (…@sha256:…) in production for reproducible images.
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:stable-alpine

# ---- build ---------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node (the CLI's runtime and the model tools' reference) must not fetch CUDA
# binaries during npm ci; .npmrc says so for npm 10, the variable for any npm.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_onnxruntime_node_install=skip
# Dependencies first, so this layer is reused while only the app source changes. The package's
# postinstall runs scripts/models.mjs (offline, from @imgly/background-removal-data in
# node_modules) and scripts/prepare-ort.mjs, so scripts/ has to be there already.
COPY package.json package-lock.json .npmrc ./
COPY scripts/ scripts/
RUN npm ci --no-audit --no-fund
COPY . .
# `npm run models` is a no-op when the postinstall already prepared the same models.
RUN npm run models && npm run build && npm run build:cli
# Precompress text and the wasm runtime for gzip_static; model weights stay as they are (byte
# ranges, exact Content-Length). -n keeps the .gz byte-identical across builds.
RUN find dist -type f -size +1k \
      \( -name '*.js' -o -name '*.mjs' -o -name '*.wasm' -o -name '*.css' -o -name '*.html' \
         -o -name '*.json' -o -name '*.svg' -o -name '*.webmanifest' -o -name '*.map' \) \
      -exec gzip -9 -k -n {} + \
 && rm -f dist/models/.prepared.json

# ---- cli: the `jingjie` command for batch jobs (deploy/k8s/cli-job.yaml) -------------------
# docker build --target cli -t jingjie-cli .   docker run -v $PWD:/data jingjie-cli /data/in -o /data/out
# The build stage already ran postinstall and build:cli: the model weights (public/models), the
# CLI bundle (cli/dist) and node_modules with onnxruntime-node and sharp (optional dependencies,
# kept by the prune below; dev packages go, in a stage of their own so no layer carries them).
FROM build AS cli-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim AS cli
WORKDIR /app
ENV NODE_ENV=production
COPY --from=cli-deps /app/package.json ./
COPY --from=cli-deps /app/node_modules/ node_modules/
COPY --from=build /app/bin/ bin/
COPY --from=build /app/cli/dist/ cli/dist/
COPY --from=build /app/public/models/*.onnx /app/public/models/models.json public/models/
USER node
ENTRYPOINT ["node", "/app/bin/jingjie.mjs"]

# ---- serve (the default target: last) ------------------------------------------------------
FROM ${NGINX_IMAGE} AS serve
COPY deploy/nginx.conf /etc/nginx/conf.d/default.conf
COPY deploy/nginx/ /etc/nginx/jingjie/
COPY --from=build /app/dist/ /usr/share/nginx/html/
USER 101
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1
