/**
 * Nezha's metric columns and the Prometheus-style names the loader gives them. `pod_*` come from
 * `<pod>_metric.csv` (one row a minute per pod), `node_*` describe the pod's node, `service_*`
 * come from `front_service.csv` (the entry service).
 */
export const POD_COLUMNS: Readonly<Record<string, string>> = {
  "CpuUsage(m)": "pod_cpu_usage_millicores",
  "CpuUsageRate(%)": "pod_cpu_usage_percent",
  "MemoryUsage(Mi)": "pod_memory_usage_mebibytes",
  "MemoryUsageRate(%)": "pod_memory_usage_percent",
  SyscallRead: "pod_syscall_read",
  SyscallWrite: "pod_syscall_write",
  NetworkReceiveBytes: "pod_network_receive_bytes",
  NetworkTransmitBytes: "pod_network_transmit_bytes",
  "PodClientLatencyP90(s)": "pod_client_latency_p90_seconds",
  "PodServerLatencyP90(s)": "pod_server_latency_p90_seconds",
  "PodClientLatencyP95(s)": "pod_client_latency_p95_seconds",
  "PodServerLatencyP95(s)": "pod_server_latency_p95_seconds",
  "PodClientLatencyP99(s)": "pod_client_latency_p99_seconds",
  "PodServerLatencyP99(s)": "pod_server_latency_p99_seconds",
  "PodWorkload(Ops)": "pod_workload_ops",
  "PodSuccessRate(%)": "pod_success_rate_percent",
  "NodeCpuUsageRate(%)": "node_cpu_usage_percent",
  "NodeMemoryUsageRate(%)": "node_memory_usage_percent",
  NodeNetworkReceiveBytes: "node_network_receive_bytes",
};

/** Columns of `front_service.csv`. */
export const ENTRY_COLUMNS: Readonly<Record<string, string>> = {
  "SuccessRate(%)": "service_success_rate_percent",
  "LatencyP50(s)": "service_latency_p50_seconds",
  "LatencyP90(s)": "service_latency_p90_seconds",
  "LatencyP95(s)": "service_latency_p95_seconds",
  "LatencyP99(s)": "service_latency_p99_seconds",
};
