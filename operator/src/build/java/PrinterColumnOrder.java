import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Puts the printer columns of the generated CRDs in the order their {@code @AdditionalPrinterColumn}
 * annotations are declared on the model class. fabric8's crd-generator (7.5.2) sorts them by JSON
 * path and has no knob for the order, so {@code kubectl get} would show AGE first and the
 * conditions before the counts. The model class stays the one place that says the order.
 *
 * <p>Run by the build right after the crd-generator (a source-launcher program, so it ships in no
 * jar): {@code java -cp <compile classpath> PrinterColumnOrder <generated dir> <model package>}.
 * It edits the YAML text of the column list only, so everything else stays byte for byte what
 * the generator wrote.
 */
public final class PrinterColumnOrder {
  private static final Pattern KIND = Pattern.compile("(?m)^    kind: \"([^\"]+)\"$");
  private static final String LIST_START = "  - additionalPrinterColumns:\n";
  private static final String ENTRY = "    - jsonPath: ";
  private static final Pattern NAME = Pattern.compile("(?m)^      name: \"([^\"]+)\"$");

  private PrinterColumnOrder() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: PrinterColumnOrder <generated dir> <model package>");
    }
    try (Stream<Path> files = Files.list(Path.of(args[0]))) {
      for (Path file : files.filter(f -> f.toString().endsWith("-v1.yml")).toList()) {
        reorder(file, args[1]);
      }
    }
  }

  private static void reorder(Path file, String modelPackage) throws IOException, ClassNotFoundException {
    String yaml = Files.readString(file);
    Matcher kind = KIND.matcher(yaml);
    if (!kind.find()) {
      throw new IllegalStateException(file + " names no kind");
    }
    Class<?> model =
        Class.forName(
            modelPackage + "." + kind.group(1), false, PrinterColumnOrder.class.getClassLoader());
    List<String> declared =
        Arrays.stream(model.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    int start = yaml.indexOf(LIST_START);
    if (start < 0 || declared.isEmpty()) {
      return;
    }
    int entriesStart = start + LIST_START.length();
    int end = entriesStart;
    // The list ends at the first line that is neither an entry nor a field of one.
    while (end < yaml.length() && (yaml.startsWith(ENTRY, end) || yaml.startsWith("      ", end))) {
      end = yaml.indexOf('\n', end) + 1;
    }
    Map<String, String> entries = new LinkedHashMap<>();
    for (String entry : split(yaml.substring(entriesStart, end))) {
      Matcher name = NAME.matcher(entry);
      if (!name.find()) {
        throw new IllegalStateException(file + ": a printer column without a name: " + entry);
      }
      entries.put(name.group(1), entry);
    }
    if (!entries.keySet().equals(new java.util.HashSet<>(declared))) {
      throw new IllegalStateException(
          file + ": generated columns " + entries.keySet() + " are not the declared " + declared);
    }
    StringBuilder ordered = new StringBuilder(yaml.substring(0, entriesStart));
    declared.forEach(name -> ordered.append(entries.get(name)));
    ordered.append(yaml.substring(end));
    Files.writeString(file, ordered.toString());
  }

  private static List<String> split(String list) {
    List<String> entries = new ArrayList<>();
    int from = 0;
    while (from < list.length()) {
      int next = list.indexOf("\n" + ENTRY, from);
      int to = next < 0 ? list.length() : next + 1;
      entries.add(list.substring(from, to));
      from = to;
    }
    return entries;
  }
}
