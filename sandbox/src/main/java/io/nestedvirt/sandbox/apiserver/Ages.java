package io.nestedvirt.sandbox.apiserver;

import java.time.Duration;
import java.time.Instant;

/** An age as kubectl prints it: 45s, 3m20s, 12m, 5h30m, 2d, ... */
final class Ages {
  private Ages() {}

  static String since(Instant then, Instant now) {
    Duration d = Duration.between(then, now);
    long s = d.toSeconds();
    if (s < 0) {
      return "0s";
    }
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return s % 60 == 0 ? m + "m" : m + "m" + s % 60 + "s";
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return m % 60 == 0 ? h + "h" : h + "h" + m % 60 + "m";
    }
    if (h < 48) {
      return h + "h";
    }
    long days = h / 24;
    if (h < 24 * 8) {
      return h % 24 == 0 ? days + "d" : days + "d" + h % 24 + "h";
    }
    if (days < 365 * 2) {
      return days + "d";
    }
    long years = days / 365;
    return years < 8 && days % 365 != 0 ? years + "y" + days % 365 + "d" : years + "y";
  }
}
