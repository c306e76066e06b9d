# The storefront, built from this repository.
#   docker build -t storefront .
# Templates and assets are embedded in the binary: the image needs nothing
# beside it but CA certificates (for an Odoo reached over HTTPS).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p storefront

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown nobody /data
COPY --from=build /src/target/release/storefront /usr/local/bin/storefront
USER nobody
ENV STOREFRONT_BIND=0.0.0.0:8080 \
    STOREFRONT_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["/usr/local/bin/storefront", "healthcheck"]
CMD ["storefront", "serve"]
