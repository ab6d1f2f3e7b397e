package io.nestedvirt.sandbox.kubelet;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads from an instance's user data the labels and taints its kubelet would register with, as the
 * node's own bootstrap would hand them to the kubelet:
 *
 * <ul>
 *   <li>nodeadm (EKS, Amazon Linux 2023): a {@code NodeConfig} in an {@code
 *       application/node.eks.aws} MIME part (or as the whole user data), its {@code
 *       spec.kubelet.flags} {@code --node-labels=...} and {@code --register-with-taints=...}, and
 *       {@code spec.kubelet.config.registerWithTaints};
 *   <li>kubeadm: a {@code JoinConfiguration} written by a shell script (a here-document), its
 *       {@code nodeRegistration.kubeletExtraArgs} {@code node-labels} (v1beta4 list or v1beta3 map)
 *       and {@code nodeRegistration.taints}, and the bootstrap token it joins with ({@code
 *       discovery.bootstrapToken.token}).
 * </ul>
 *
 * <p>Anything else (raw scripts, cloud-config, garbage) registers without extra labels or taints,
 * as a kubelet started by unknown means would. Never throws on bad input.
 */
public final class RegistrationParser {
  private RegistrationParser() {}

  /** Where the labels and taints came from. */
  public enum Source {
    EKS_NODE_CONFIG,
    KUBEADM_JOIN_CONFIGURATION,
    NONE
  }

  /**
   * What the kubelet registers with, besides the labels it derives itself.
   *
   * @param labels from {@code --node-labels}, sorted
   * @param taints from {@code --register-with-taints} (or the equivalent), in order, unique by key
   *     and effect
   * @param bootstrapToken the kubeadm join's bootstrap token, or null (nodeadm, raw)
   */
  public record Registration(
      Source source, SortedMap<String, String> labels, List<Taint> taints, String bootstrapToken) {
    public static final Registration NONE =
        new Registration(Source.NONE, new TreeMap<>(), List.of(), null);

    /** Never prints the token. */
    @Override
    public String toString() {
      return "Registration[source="
          + source
          + ", labels="
          + labels
          + ", taints="
          + taints
          + ", bootstrapToken="
          + (bootstrapToken == null ? null : "<redacted>")
          + "]";
    }

    public Registration {
      labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
      taints = List.copyOf(taints);
    }
  }

  private static final ObjectReader YAML = new YAMLMapper().readerFor(Object.class);

  private static final Pattern MULTIPART_BOUNDARY =
      Pattern.compile(
          "(?im)^Content-Type:\\s*multipart/[a-z]+;.*?boundary=(\"([^\"]+)\"|([^\\s;]+))");
  private static final Pattern HEREDOC =
      Pattern.compile(
          "(?s)<<-?[ \\t]*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\\1[^\\n]*\\n(.*?)\\n\\2[ \\t]*(?=\\n|$)");

  private static final String NODE_LABELS = "node-labels";
  private static final String REGISTER_WITH_TAINTS = "register-with-taints";

  /** The labels and taints in {@code userData}; {@link Registration#NONE} when it has none. */
  public static Registration parse(String userData) {
    if (userData == null || userData.isBlank()) {
      return Registration.NONE;
    }
    Collector collector = new Collector();
    for (Part part : parts(userData.replace("\r\n", "\n"))) {
      String type = part.contentType();
      if (type.startsWith("application/node.eks.aws")) {
        yamlDocuments(part.body()).forEach(collector::document);
      } else if (type.startsWith("text/x-shellscript") || part.body().startsWith("#!")) {
        Matcher heredoc = HEREDOC.matcher(part.body());
        while (heredoc.find()) {
          yamlDocuments(heredoc.group(3)).forEach(collector::document);
        }
      } else if (!part.body().startsWith("#cloud-config")) {
        // nodeadm also takes a bare NodeConfig as the whole user data.
        yamlDocuments(part.body()).forEach(collector::document);
      }
    }
    return collector.result();
  }

  private record Part(String contentType, String body) {}

  /** The MIME parts of a multipart document, or the text itself as one part of unknown type. */
  private static List<Part> parts(String text) {
    int headerEnd = text.indexOf("\n\n");
    String headers = headerEnd < 0 ? "" : text.substring(0, headerEnd);
    Matcher boundary = MULTIPART_BOUNDARY.matcher(headers);
    if (!headers.startsWith("MIME-Version:") && !headers.startsWith("Content-Type:")
        || !boundary.find()) {
      return List.of(new Part("", text));
    }
    String delimiter = "--" + (boundary.group(2) != null ? boundary.group(2) : boundary.group(3));
    List<Part> parts = new ArrayList<>();
    String[] chunks = ("\n" + text.substring(headerEnd)).split("\n" + Pattern.quote(delimiter));
    // chunks[0] is the preamble; a chunk starting with "--" is the epilogue after the last part.
    for (int i = 1; i < chunks.length; i++) {
      String chunk = chunks[i];
      if (chunk.startsWith("--")) {
        break;
      }
      chunk = chunk.startsWith("\n") ? chunk.substring(1) : chunk;
      int blank = chunk.indexOf("\n\n");
      String partHeaders = blank < 0 ? chunk : chunk.substring(0, blank);
      String body = blank < 0 ? "" : chunk.substring(blank + 2);
      String contentType = header(partHeaders, "Content-Type");
      if ("base64".equalsIgnoreCase(header(partHeaders, "Content-Transfer-Encoding"))) {
        try {
          body = new String(Base64.getMimeDecoder().decode(body.strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
          continue;
        }
      }
      parts.add(new Part(contentType.toLowerCase(Locale.ROOT), body));
    }
    return parts;
  }

  private static String header(String headers, String name) {
    for (String line : headers.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return "";
  }

  /** The YAML documents of {@code text} that are maps; nothing when it is not YAML. */
  private static List<Map<?, ?>> yamlDocuments(String text) {
    List<Map<?, ?>> documents = new ArrayList<>();
    try (MappingIterator<Object> values = YAML.readValues(text)) {
      while (values.hasNextValue()) {
        if (values.nextValue() instanceof Map<?, ?> map) {
          documents.add(map);
        }
      }
    } catch (IOException | RuntimeException notYaml) {
      // Scripts, cloud-config fragments and prose are not ours to read; documents read so far
      // count.
    }
    return documents;
  }

  /**
   * Accumulates flags over documents; later occurrences add to earlier ones, as kubelet flags do.
   */
  private static final class Collector {
    private Source source = Source.NONE;
    private final SortedMap<String, String> labels = new TreeMap<>();
    private final Map<String, Taint> taints = new LinkedHashMap<>();
    private String bootstrapToken;

    void document(Map<?, ?> document) {
      Object kind = document.get("kind");
      if ("NodeConfig".equals(kind)) {
        source(Source.EKS_NODE_CONFIG);
        Map<?, ?> kubelet = map(map(document.get("spec")).get("kubelet"));
        for (Object flag : list(kubelet.get("flags"))) {
          if (flag instanceof String s) {
            flag(s);
          }
        }
        for (Object taint : list(map(kubelet.get("config")).get("registerWithTaints"))) {
          taint(map(taint));
        }
      } else if ("JoinConfiguration".equals(kind)) {
        source(Source.KUBEADM_JOIN_CONFIGURATION);
        if (map(map(document.get("discovery")).get("bootstrapToken")).get("token")
            instanceof String token) {
          bootstrapToken = token;
        }
        Map<?, ?> registration = map(document.get("nodeRegistration"));
        Object extraArgs = registration.get("kubeletExtraArgs");
        if (extraArgs instanceof Map<?, ?> v1beta3) {
          v1beta3.forEach((name, value) -> argument(String.valueOf(name), String.valueOf(value)));
        } else {
          for (Object arg : list(extraArgs)) {
            Map<?, ?> v1beta4 = map(arg);
            if (v1beta4.get("name") instanceof String name) {
              argument(
                  name, v1beta4.get("value") == null ? "" : String.valueOf(v1beta4.get("value")));
            }
          }
        }
        for (Object taint : list(registration.get("taints"))) {
          taint(map(taint));
        }
      }
    }

    private void source(Source found) {
      if (source == Source.NONE) {
        source = found;
      }
    }

    /** One kubelet command-line flag: {@code --name=value} or {@code --name value}. */
    private void flag(String flag) {
      String s = flag.strip();
      if (!s.startsWith("--")) {
        return;
      }
      int split = s.indexOf('=');
      int space = s.indexOf(' ');
      if (split < 0 || space > 0 && space < split) {
        split = space;
      }
      if (split < 0) {
        return;
      }
      argument(s.substring(2, split), s.substring(split + 1).strip());
    }

    private void argument(String name, String value) {
      switch (name) {
        case NODE_LABELS -> nodeLabels(value);
        case REGISTER_WITH_TAINTS -> registerWithTaints(value);
        default -> {}
      }
    }

    /** {@code k1=v1,k2=v2}; a pair without {@code =} is skipped (the kubelet would refuse it). */
    private void nodeLabels(String value) {
      for (String pair : value.split(",")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          labels.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
      }
    }

    /** {@code key=value:Effect}, {@code key=:Effect} or {@code key:Effect}, comma-separated. */
    private void registerWithTaints(String value) {
      for (String spec : value.split(",")) {
        String s = spec.strip();
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
          continue;
        }
        String keyValue = s.substring(0, colon);
        int eq = keyValue.indexOf('=');
        String key = eq < 0 ? keyValue : keyValue.substring(0, eq);
        String taintValue = eq < 0 ? null : keyValue.substring(eq + 1);
        add(key, taintValue, s.substring(colon + 1));
      }
    }

    private void taint(Map<?, ?> taint) {
      if (taint.get("key") instanceof String key && taint.get("effect") instanceof String effect) {
        Object value = taint.get("value");
        add(key, value == null ? null : String.valueOf(value), effect);
      }
    }

    private void add(String key, String value, String effect) {
      if (key.isBlank() || effect.isBlank()) {
        return;
      }
      taints.putIfAbsent(
          key + ":" + effect,
          new TaintBuilder()
              .withKey(key)
              .withValue(value == null || value.isEmpty() ? null : value)
              .withEffect(effect)
              .build());
    }

    Registration result() {
      return source == Source.NONE && labels.isEmpty() && taints.isEmpty()
          ? Registration.NONE
          : new Registration(source, labels, new ArrayList<>(taints.values()), bootstrapToken);
    }
  }

  private static Map<?, ?> map(Object o) {
    return o instanceof Map<?, ?> m ? m : Map.of();
  }

  private static List<?> list(Object o) {
    return o instanceof List<?> l ? l : List.of();
  }
}
