package records

// HeaderLen exposes where the record section starts, for tamper tests.
func HeaderLen(m *Message) int { return len(m.header) }
