package io.nestedvirt.operator.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A Terraform module's .tf files as python-hcl2 parses them (its {@code hcl2tojson}, pinned by
 * e2e/install.sh), with strings unquoted and blocks as plain objects: literals come out as JSON
 * values, expressions as their source in {@code ${...}}. Terraform itself cannot be installed from
 * a package registry; this is a real HCL2 parser, and a file it cannot parse fails here.
 */
final class TerraformModule {
  private final List<JsonNode> files;

  private TerraformModule(List<JsonNode> files) {
    this.files = files;
  }

  static TerraformModule parse(Path hcl2json, Path module, Path scratch) {
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> listing = Files.list(module)) {
      List<Path> tf = listing.filter(f -> f.toString().endsWith(".tf")).sorted().toList();
      List<JsonNode> parsed = new ArrayList<>();
      for (Path file : tf) {
        Path out = scratch.resolve(file.getFileName() + ".json");
        Tool.Result r =
            Tool.run(
                null,
                List.of(
                    hcl2json.toString(),
                    "--strip-string-quotes",
                    "--no-explicit-blocks",
                    "-q",
                    file.toString(),
                    "-o",
                    out.toString()));
        if (r.code() != 0) {
          throw new AssertionError("hcl2tojson cannot parse " + file + ":\n" + r.output());
        }
        parsed.add(json.readTree(out.toFile()));
      }
      return new TerraformModule(parsed);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The body of {@code resource "type" "name"}. */
  JsonNode resource(String type, String name) {
    return labelled("resource", type, name);
  }

  /** The body of {@code data "type" "name"}. */
  JsonNode data(String type, String name) {
    return labelled("data", type, name);
  }

  /** The names of the {@code output} blocks. */
  List<String> outputs() {
    return blocks("output").flatMap(b -> iterable(b.fieldNames())).toList();
  }

  /** The names of the {@code variable} blocks. */
  List<String> variables() {
    return blocks("variable").flatMap(b -> iterable(b.fieldNames())).toList();
  }

  /** A value of a {@code locals} block. */
  JsonNode local(String name) {
    return blocks("locals")
        .filter(b -> b.has(name))
        .map(b -> b.get(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no local " + name));
  }

  private JsonNode labelled(String kind, String type, String name) {
    return blocks(kind)
        .filter(b -> b.path(type).has(name))
        .map(b -> b.get(type).get(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " \"" + type + "\" \"" + name + "\""));
  }

  /** Every block of a kind across the files: python-hcl2 lists each one as an object. */
  private Stream<JsonNode> blocks(String kind) {
    return files.stream().flatMap(f -> iterable(f.path(kind).elements()));
  }

  private static <T> Stream<T> iterable(Iterator<T> it) {
    Iterable<T> iterable = () -> it;
    return StreamSupport.stream(iterable.spliterator(), false);
  }
}
