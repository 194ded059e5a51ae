"""Configuration: every knob (an option, an environment variable, a fleet key) validated once
into one `Config`; the endpoint's URL; where the credential comes from; and the one loader for
the files a user hands infocheck (fleet, waivers, policy, catalogues, reports to merge)."""
