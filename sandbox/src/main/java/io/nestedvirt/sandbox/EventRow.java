package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.Event;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;

/** An Event as the live view shows it. */
record EventRow(Instant at, String object, String type, String reason, String message) {

  /** The newest {@code limit} events, oldest first, so the newest is at the bottom. */
  static List<EventRow> latest(List<Event> events, int limit) {
    List<EventRow> rows =
        events.stream().map(EventRow::of).sorted(Comparator.comparing(EventRow::at)).toList();
    return rows.subList(Math.max(0, rows.size() - limit), rows.size());
  }

  static EventRow of(Event e) {
    String object = e.getInvolvedObject() == null ? "" : e.getInvolvedObject().getName();
    return new EventRow(
        time(e),
        object == null ? "" : object,
        e.getType() == null ? "" : e.getType(),
        e.getReason() == null ? "" : e.getReason(),
        e.getMessage() == null ? "" : e.getMessage());
  }

  private static Instant time(Event e) {
    for (String t :
        new String[] {
          e.getLastTimestamp(), e.getFirstTimestamp(), e.getMetadata().getCreationTimestamp()
        }) {
      if (t != null) {
        try {
          return Instant.parse(t);
        } catch (DateTimeParseException ignored) {
          // try the next timestamp
        }
      }
    }
    return Instant.EPOCH;
  }
}
