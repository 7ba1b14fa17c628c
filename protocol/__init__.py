"""The MQTT wire format terminal and HQ both speak (docs/protocol.md): topics, message codecs
and their bounds, member-PIN sealing, socket tuning. Depends on membership only."""
