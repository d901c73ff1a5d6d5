"""Every write of the monitoring app: devices and credentials, rule overrides, alarms."""
