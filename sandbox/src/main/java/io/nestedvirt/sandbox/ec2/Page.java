package io.nestedvirt.sandbox.ec2;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * One page of a describe call and the opaque token for the next; tokens are base64 so callers
 * cannot be tempted to build them, as with real EC2.
 */
record Page<T>(List<T> items, String nextToken) {

  static String encodeToken(long position) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(("p:" + position).getBytes(StandardCharsets.UTF_8));
  }

  /** The position a token was made from; -1 for no token. */
  static long decodeToken(String token) {
    if (token == null || token.isEmpty()) {
      return -1;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (text.startsWith("p:")) {
        return Long.parseLong(text.substring(2));
      }
    } catch (IllegalArgumentException e) {
      // falls through to the error below
    }
    throw Ec2Error.client("InvalidPaginationToken", "Invalid pagination token: " + token);
  }

  /**
   * Validates {@code MaxResults} against the action's bounds the way EC2 does; null means the
   * action's default page size.
   */
  static int pageSize(Integer maxResults, int min, int max, int defaultSize) {
    if (maxResults == null) {
      return defaultSize;
    }
    if (maxResults < min || maxResults > max) {
      throw Ec2Error.invalidParameterValue(
          "Value ( "
              + maxResults
              + " ) for parameter maxResults is invalid. Expecting a value between "
              + min
              + " and "
              + max
              + ".");
    }
    return maxResults;
  }

  /** Pages an in-memory list by offset: fine for the small resource lists (types, subnets...). */
  static <T> Page<T> ofList(List<T> all, int size, String token) {
    long from = Math.max(0, decodeToken(token));
    if (from > all.size()) {
      throw Ec2Error.client("InvalidPaginationToken", "Invalid pagination token: " + token);
    }
    int to = (int) Math.min(all.size(), from + size);
    String next = to < all.size() ? encodeToken(to) : null;
    return new Page<>(List.copyOf(all.subList((int) from, to)), next);
  }
}
