"""ShopSmart benchmarks: each service call against the raw DynamoDB calls it wraps, in one run."""
