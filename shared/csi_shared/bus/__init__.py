"""The event bus: transactional outbox, relay to Kafka, and an at-least-once consumer with inbox and DLQ."""
