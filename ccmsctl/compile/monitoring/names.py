"""Where the estate is watched from, and the names of the metrics the generated rules and
dashboard read: one home, read by compile (scrape targets, rules, dashboard), by the edge's
and the PBX's configs (the ports they serve metrics on) and by ccmsctl's own metrics.

No I/O and nothing decided per estate: these are the conventions both sides rely on.
"""

from __future__ import annotations

# Scrape jobs (the `job` label) and the ports their targets serve /metrics on.
EDGE_JOB = "ccms-edge"  # Kamailio's xhttp_prom on each edge
EDGE_METRICS_PORT = 9494
PBX_JOB = "ccms-pbx"  # Asterisk's res_prometheus (its HTTP server) on each PBX
PBX_METRICS_PORT = 8088
NODE_JOB = "ccms-node"  # node_exporter on each edge and PBX: disks, VRRP state (textfile)
NODE_METRICS_PORT = 9100
TLS_JOB = "ccms-tls"  # blackbox_exporter probing the edges' TLS listeners
DEVICE_JOB = "ccms-device"  # snmp_exporter asking each network device
CCMSCTL_JOB = "ccmsctl"  # `ccmsctl exporter`: drift and capacity headroom

# Exporters that run beside Prometheus (the usual layout) and where ccmsctl exporter listens.
BLACKBOX_EXPORTER = "127.0.0.1:9115"
SNMP_EXPORTER = "127.0.0.1:9116"
CCMSCTL_EXPORTER = "127.0.0.1:9464"

# The node_exporter textfile collector's folder on a host (Debian's default): keepalived's
# state change hook writes the VRRP state there.
TEXTFILE_DIR = "var/lib/prometheus/node-exporter"

# ccmsctl's own metrics (textfile after each plan and apply; `ccmsctl exporter`).
PLAN_TIMESTAMP = "ccms_plan_last_run_timestamp_seconds"
PLAN_SUCCESS = "ccms_plan_success"
PLAN_DURATION = "ccms_plan_duration_seconds"
PLAN_CHANGES = "ccms_plan_changes"
APPLY_TIMESTAMP = "ccms_apply_last_run_timestamp_seconds"
APPLY_SUCCESS = "ccms_apply_success"
APPLY_SUCCESS_TIMESTAMP = "ccms_apply_last_success_timestamp_seconds"
APPLY_HOSTS_CHANGED = "ccms_apply_hosts_changed"
APPLY_DURATION = "ccms_apply_duration_seconds"
DRIFT_FILES = "ccms_drift_files"  # {host}: deployed files that differ from the record
DRIFT_TIMESTAMP = "ccms_drift_check_timestamp_seconds"
DRIFT_CHECK_SUCCESS = "ccms_drift_check_success"  # `ccmsctl exporter`: read every host
DRIFT_CHECK_DURATION = "ccms_drift_check_duration_seconds"
CONTROL_FAILING = "ccms_compliance_control_failing"  # {control}: 1 failing, 0 passing
HEADROOM = "ccms_capacity_headroom_ratio"  # {kind, name}: spare share of what is needed

# The edges' own (xhttp_prom puts `kamailio_` before each name).
TRUNK_PEER_UP = "kamailio_trunk_peer_up"  # {trunk, peer}: answers the edge's OPTIONS
DESTINATION_UP = "kamailio_dispatcher_destination_up"  # {destination}: set when it changes
# {trunk, dialogs}: calls up through this edge, or through the VIP `dialogs` names whose
# edges share their dialogs
TRUNK_CALLS = "kamailio_trunk_calls"
TRUNK_CHANNELS = "kamailio_trunk_channels"  # {trunk}: the trunk's channel limit
TRUNK_UTILISATION = "ccms_trunk_channel_utilisation"  # recorded: calls / channel limit

# The PBXs' (res_prometheus), the node's and the exporters'.
PBX_CHANNELS = "asterisk_channels_count"
QUEUE_CALLS = "ccms_queue_calls"  # {queue, outcome}: the PBX's queue-stats job, last 15 min
QUEUE_WAITED = "ccms_queue_waited_seconds"  # {queue}: their waits, summed (same job)
QUEUE_SERVICE_LEVEL = "ccms_queue_service_level_ratio"  # recorded: in time / left the queue
VRRP_MASTER = "ccms_vrrp_master"  # {instance}: 1 while this edge holds the VIP
VRRP_CHANGE = "ccms_vrrp_state_change_timestamp_seconds"  # {instance}
DISK_AVAILABLE = "node_filesystem_avail_bytes"
CERT_EXPIRY = "probe_ssl_earliest_cert_expiry"
