package dev.loopline.inference.topology;

import dev.loopline.avro.Event;
import dev.loopline.inference.ScoringSettings;
import java.util.Map;

/** The limits an event must respect to be scored; anything else is a dead letter with a reason. */
public final class EventValidator {

  private final int maxTextChars;
  private final int maxAttributes;
  private final int maxAttributeChars;

  public EventValidator(int maxTextChars, int maxAttributes, int maxAttributeChars) {
    this.maxTextChars = maxTextChars;
    this.maxAttributes = maxAttributes;
    this.maxAttributeChars = maxAttributeChars;
  }

  public static EventValidator from(ScoringSettings s) {
    return new EventValidator(s.maxTextChars(), s.maxAttributes(), s.maxAttributeChars());
  }

  /**
   * @throws InvalidEventException with a one-line reason
   */
  public void validate(String key, Event e) {
    if (e == null) {
      throw new InvalidEventException("null value (key " + key + ")");
    }
    if (e.getId() == null || e.getId().isBlank()) {
      throw new InvalidEventException("empty event id");
    }
    String text = e.getText();
    if (text == null || text.isBlank()) {
      throw new InvalidEventException("empty text (event " + e.getId() + ")");
    }
    if (text.length() > maxTextChars) {
      throw new InvalidEventException(
          "text of "
              + text.length()
              + " chars exceeds "
              + maxTextChars
              + " (event "
              + e.getId()
              + ")");
    }
    Map<String, String> attrs = e.getAttributes();
    if (attrs != null) {
      if (attrs.size() > maxAttributes) {
        throw new InvalidEventException(
            attrs.size() + " attributes exceed " + maxAttributes + " (event " + e.getId() + ")");
      }
      for (Map.Entry<String, String> a : attrs.entrySet()) {
        if (a.getKey().length() > maxAttributeChars
            || (a.getValue() != null && a.getValue().length() > maxAttributeChars)) {
          throw new InvalidEventException(
              "attribute '"
                  + a.getKey().substring(0, Math.min(40, a.getKey().length()))
                  + "' longer than "
                  + maxAttributeChars
                  + " chars (event "
                  + e.getId()
                  + ")");
        }
      }
    }
  }
}
