"""The sale-event load test: locust through the gateway, then an audit of every unit of stock."""
