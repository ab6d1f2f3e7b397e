package io.nestedvirt.operator.node.bootstrap;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test helper: splits a multipart/mixed document into its parts, independently of the renderer. */
final class MimeParts {
  private MimeParts() {}

  record Part(String contentType, String body) {}

  private static final Pattern BOUNDARY =
      Pattern.compile("(?m)^Content-Type: multipart/mixed; boundary=\"([^\"]+)\"$");

  static List<Part> parse(String document) {
    if (!document.startsWith("MIME-Version: 1.0\n")) {
      throw new AssertionError("not a MIME document:\n" + document);
    }
    Matcher m = BOUNDARY.matcher(document);
    if (!m.find()) {
      throw new AssertionError("no multipart boundary in:\n" + document);
    }
    String delimiter = "\n--" + m.group(1);
    if (!document.endsWith(delimiter + "--\n")) {
      throw new AssertionError("document does not end with the closing boundary");
    }
    List<Part> parts = new ArrayList<>();
    int at = document.indexOf(delimiter);
    while (!document.startsWith(delimiter + "--", at)) {
      int headersStart = at + delimiter.length() + 1;
      int next = document.indexOf(delimiter, headersStart);
      String part = document.substring(headersStart, next);
      int blank = part.indexOf("\n\n");
      String headers = part.substring(0, blank);
      String contentType = null;
      for (String line : headers.split("\n")) {
        if (line.startsWith("Content-Type: ")) {
          contentType = line.substring("Content-Type: ".length());
        }
      }
      parts.add(new Part(contentType, part.substring(blank + 2)));
      at = next;
    }
    return parts;
  }
}
