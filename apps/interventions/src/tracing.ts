// Loaded first by main.ts: starts OpenTelemetry (when OTEL_EXPORTER_OTLP_ENDPOINT is set) before
// http, pg and the rest are required, so their instrumentation applies.
import { startTracing } from '@wfp/platform/tracing';

startTracing('interventions');
