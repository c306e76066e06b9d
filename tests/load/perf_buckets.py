"""A per-request cost model from a profile: buckets the samples of
`perf script` (with call graphs) by the innermost frame of interest.

    CATEGORY_BENCH_ONLY="category page 1" CATEGORY_BENCH_SECONDS=15 \
      perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -o /tmp/perf.data \
      target/release/deps/category-<hash> --bench 2>/dev/null
    perf script -i /tmp/perf.data --comms "actix-server wo" > /tmp/page.script
    python3 tests/load/perf_buckets.py /tmp/page.script

(see BENCHMARKS.md, "The fixed cost of a request")."""
import collections, re, sys
BUCKETS = [
    ("access log: tracing (span, event, format, channel)", ["tracing_subscriber", "tracing_core", "tracing_appender", "tracing::span", "crossbeam_channel", "storefront::http::logging::Batch", "logging::Access", "logging::write_timestamp", "logging::RequestContext", "logging::new_id"]),
    ("session: cookie signature (HMAC)", ["SessionKey::verify"]),
    ("session: CSRF token (HMAC)", ["SessionKey::csrf_token"]),
    ("session: cookie parsing", ["actix_web::request::HttpRequest::cookies", "cookie::parse", "HttpMessage>::cookie"]),
    ("metrics", ["storefront::http::metrics::Metrics::request", "metrics::Routes"]),
    ("page: gzip fill", ["fill_gzip"]),
    ("page: cache lookup", ["PageCache::get"]),
    ("page: customer's marks (cart, favorites)", ["Shelf::marks", "favorites_and_cart"]),
    ("visit: session lookup, customer, language", ["Visit as actix_web::extract::FromRequest"]),
    ("page: rest of handler", ["render_shared", "category_page", "shared_response"]),
    ("routing", ["actix_router", "regex_lite"]),
    ("socket write", ["poll_flush"]),
    ("request read and parse", ["read_available", "Decoder>::decode"]),
    ("response head encode", ["Encoder<actix_http::h1::Message"]),
    ("middlewares (rest)", ["logging::around", "logging::middleware", "metrics::middleware", "middleware::FrontService", "middleware::with_session", "middleware::choose_shop", "session_middleware", "shop_middleware", "localize_bad_input", "DefaultHeader"]),
]
samples = []
cur = None
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("\t") and line.strip():
        if cur is not None:
            samples.append(cur)
        cur = []
    elif line.strip() and cur is not None:
        parts = line.strip().split(" ", 1)
        if len(parts) == 2:
            cur.append(re.sub(r"\+0x[0-9a-f]+ .*$", "", parts[1]))
if cur is not None:
    samples.append(cur)
counts = collections.Counter()
for frames in samples:
    for f in frames:
        hit = next((name for name, keys in BUCKETS if any(k in f for k in keys)), None)
        if hit:
            counts[hit] += 1
            break
    else:
        counts["other (dispatcher, runtime, epoll)"] += 1
n = len(samples)
print(f"{n} samples of the actix workers")
for name, c in counts.most_common():
    print(f"| {name} | {100*c/n:.1f} % |")
