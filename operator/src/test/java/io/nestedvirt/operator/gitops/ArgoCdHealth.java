package io.nestedvirt.operator.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * Runs deploy/argocd/health.lua as Argo CD does: the resource as JSON in the global {@code obj},
 * the script's returned table read for {@code status} and {@code message}.
 */
public final class ArgoCdHealth {
  public static final Path SCRIPT =
      Path.of(System.getProperty("repo.root", ".."), "deploy", "argocd", "health.lua");

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** What Argo CD would show: Healthy, Progressing, Degraded, Suspended or Missing. */
  public record Health(String status, String message) {}

  private ArgoCdHealth() {}

  /** The health of {@code resource}, serialized as the API server would return it. */
  public static Health of(HasMetadata resource) {
    JsonNode json = JSON.convertValue(resource, JsonNode.class);
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(json));
    LuaValue result = globals.load(script(), "health.lua").call();
    if (!result.istable()) {
      throw new AssertionError("health.lua returned " + result.typename() + ", not a table");
    }
    return new Health(string(result.get("status")), string(result.get("message")));
  }

  private static String script() {
    try {
      return Files.readString(SCRIPT);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String string(LuaValue value) {
    return value.isnil() ? null : value.tojstring();
  }

  /** JSON as gopher-lua (Argo CD's interpreter) sees it: objects and arrays as tables, no nulls. */
  private static LuaValue lua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (!field.getValue().isNull()) {
          table.set(field.getKey(), lua(field.getValue()));
        }
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, lua(node.get(i)));
      }
      return table;
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return LuaValue.valueOf(node.asText());
  }
}
