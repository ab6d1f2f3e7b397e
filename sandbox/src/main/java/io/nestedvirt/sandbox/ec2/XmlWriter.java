package io.nestedvirt.sandbox.ec2;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/** A tiny streaming XML writer: enough for EC2 responses, with escaping done in one place. */
final class XmlWriter {
  static final String EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

  private final StringBuilder out = new StringBuilder(4096);
  private final Deque<String> open = new ArrayDeque<>();

  XmlWriter() {
    out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  }

  /** Starts {@code <ActionResponse xmlns=...>} with its {@code requestId}, as EC2 does. */
  static XmlWriter response(String action, String requestId) {
    XmlWriter xml = new XmlWriter();
    xml.out.append('<').append(action).append("Response xmlns=\"").append(EC2_NAMESPACE);
    xml.out.append("\">");
    xml.open.push(action + "Response");
    xml.leaf("requestId", requestId);
    return xml;
  }

  XmlWriter start(String name) {
    out.append('<').append(name).append('>');
    open.push(name);
    return this;
  }

  XmlWriter end() {
    out.append("</").append(open.pop()).append('>');
    return this;
  }

  /** Writes {@code <name>value</name>}; a null value writes nothing, as EC2 omits absent fields. */
  XmlWriter leaf(String name, Object value) {
    if (value == null) {
      return this;
    }
    out.append('<').append(name).append('>');
    escape(String.valueOf(value));
    out.append("</").append(name).append('>');
    return this;
  }

  /** {@code <name><item>v</item>...</name>}, the EC2 list shape. */
  XmlWriter items(String name, Iterable<?> values) {
    start(name);
    for (Object value : values) {
      leaf("item", value);
    }
    return end();
  }

  /** {@code <tagSet><item><key/><value/></item>...</tagSet>}. */
  XmlWriter tagSet(Map<String, String> tags) {
    start("tagSet");
    tags.forEach((key, value) -> start("item").leaf("key", key).leaf("value", value).end());
    return end();
  }

  String finish() {
    while (!open.isEmpty()) {
      end();
    }
    return out.toString();
  }

  /** Text content only (we write no attributes but the namespace), so quotes stay as they are. */
  private void escape(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        default -> out.append(c);
      }
    }
  }
}
