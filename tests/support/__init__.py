"""What several test modules share: data builders, upstream replays, mail sinks,
browsers, race runners and clocks. Test modules import from here, never from each other."""
