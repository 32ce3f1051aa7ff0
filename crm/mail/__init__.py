"""Customer mail: templates (what to say) and the SMTP outbox sender."""
