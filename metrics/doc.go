// Package metrics is dossier's Prometheus exposition: what the API and the
// workers count, and the handler that serves it on /metrics.
//
// It is the only home of github.com/prometheus/client_golang in the module,
// a room of its own for the same reason asynq has worker/ and the AWS SDK
// has s3store/: the rest of the code calls plain methods (ObserveTask,
// TaskFailure, StorageError, RedisError) with strings and durations, or is
// wrapped from outside (Wrap and WrapRoutes around the API's handler;
// Blobs, Records and Queue around the store and the queue), so
// swapping the metrics library, or running without metrics, touches this
// package and the wiring in cmd/dossier only. httpapi and worker do not
// import it; cmd/dossier hands them what they need, or wraps them.
//
// # What it exports
//
//	dossier_http_requests_total{route,method,code}         counter; code is the status class: 2xx, 3xx, 4xx, 5xx
//	dossier_http_request_duration_seconds{route,method}    histogram
//	dossier_tasks_total{type,outcome}                      counter, by the outcome the task's log line names
//	dossier_task_duration_seconds{type,stage}              histogram, by the stage the task reached
//	dossier_task_failures_total{type,code}                 counter, by the *dossier.Error code of a rejected or failed document
//	dossier_extractions_total{format,strategy}             counter of documents read, by format and the strategy that read the text
//	dossier_queue_tasks{queue,state}                       gauge, read from Redis at each scrape
//	dossier_queue_inspect_ok                               gauge: 1 if the last read of the queue sizes worked, 0 if not
//	dossier_storage_errors_total{op}                       counter of S3 faults (op: blobs_get, records_update…)
//	dossier_redis_errors_total{op}                         counter of Redis faults (op: enqueue, inspect…)
//
// plus the Go runtime's and the process's standard metrics (go_*,
// process_*).
//
// # What it must not do
//
// Put personal data or unbounded values in a label. The route label is the
// route's pattern ("/api/v1/sessions/{session}/candidates/{candidate}"),
// never the path, which names candidates; requests that match no route are
// counted as "unmatched". Task labels are the task type, stage, outcome and
// error code, never session, candidate or digest: those belong in the logs.
package metrics
