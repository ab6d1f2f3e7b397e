package io.nestedvirt.sandbox.apiserver;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.crud.Key;
import io.fabric8.mockwebserver.http.MockResponse;
import java.lang.reflect.Field;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * fabric8's CRUD dispatcher with an index over its stored objects, so that a request touches only
 * the objects that can match it instead of all of them.
 *
 * <p>The stock dispatcher keeps every object in one map keyed by its attributes (plural, namespace,
 * name, labels, ...) and answers each GET, PUT, PATCH and DELETE by testing every key against the
 * request's attributes. With 10,000 Nodes and their Events that scan, on the mock server's single
 * request thread, is what limits the benchmark. Here the map is replaced (once, while empty) by
 * {@link IndexedStore}, which also maps each attribute to the keys carrying it. A key matches a
 * query only if it carries every plain ({@code WITH}) attribute of the query, so the keys that
 * carry the query's rarest such attribute are a superset of the matches; they are tested with the
 * same {@link AttributeSet#matches} and visited in the map's own order, so the answers are exactly
 * the stock ones. Queries without a plain attribute (none the Kubernetes paths produce) scan as
 * before.
 *
 * <p>{@link #findResource} (PUT, PATCH, POST conflict checks) uses the index directly. GETs and
 * DELETEs keep the stock code (404s, lists, API discovery, finalizers): while it runs, the store's
 * {@code entrySet()} shows that thread only the candidates of the request's query.
 */
public class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
  private final IndexedStore store;

  public IndexedCrudDispatcher() {
    store = new IndexedStore();
    install(this, store);
  }

  /**
   * Replaces the dispatcher's (still empty) map with the indexed store. The field is final: writing
   * it by reflection works on JDK 25; JEP 500 (later JDKs) warns about it first, then needs {@code
   * --enable-final-field-mutation}; IndexedCrudDispatcherTest would show either.
   */
  private static void install(CrudDispatcher dispatcher, IndexedStore store) {
    try {
      Field field = CrudDispatcher.class.getDeclaredField("map");
      field.setAccessible(true);
      if (!((Map<?, ?>) field.get(dispatcher)).isEmpty()) {
        throw new IllegalStateException("the dispatcher's map is not empty");
      }
      field.set(dispatcher, store);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "fabric8's CrudDispatcher no longer has the field 'map'; update IndexedCrudDispatcher",
          e);
    }
  }

  IndexedStore store() {
    return store;
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
    // Called with the dispatcher's lock held, as the stock method is.
    for (Map.Entry<AttributeSet, String> entry : store.candidates(attributes)) {
      if (entry.getKey().matches(attributes)) {
        return entry;
      }
    }
    return null;
  }

  @Override
  public MockResponse handleGet(String path) {
    if (path.contains("watch=true")) {
      // A watch replays the store from a listener, later and maybe on another thread.
      return super.handleGet(path);
    }
    return store.narrowedTo(getAttributeExtractor().fromPath(path), () -> super.handleGet(path));
  }

  @Override
  public MockResponse handleDelete(String path) {
    return store.narrowedTo(getAttributeExtractor().fromPath(path), () -> super.handleDelete(path));
  }

  /**
   * The stored objects in insertion order, plus an index from attribute to the keys carrying it.
   */
  static final class IndexedStore extends AbstractMap<AttributeSet, String> {
    private final LinkedHashMap<AttributeSet, String> objects = new LinkedHashMap<>();

    /**
     * Keys by attribute (key and values, as {@link Attribute#equals} compares them), each set in
     * the order the keys entered {@link #objects}, which is the order a scan of it visits them.
     */
    private final Map<Attribute, LinkedHashSet<AttributeSet>> index = new HashMap<>();

    private final ThreadLocal<AttributeSet> narrowing = new ThreadLocal<>();

    interface Call<T> {
      T run();
    }

    /** Runs {@code call} with {@link #entrySet()} showing this thread only candidates of query. */
    <T> T narrowedTo(AttributeSet query, Call<T> call) {
      narrowing.set(query);
      try {
        return call.run();
      } finally {
        narrowing.remove();
      }
    }

    /**
     * The entries that can match {@code query}: those whose key carries the query's plain attribute
     * that the fewest keys carry, or all entries when the query has no plain attribute. A snapshot,
     * in the map's order; every key is checked to be stored still.
     */
    synchronized List<Map.Entry<AttributeSet, String>> candidates(AttributeSet query) {
      Set<AttributeSet> keys = null;
      for (Attribute attribute : attributesOf(query)) {
        if (attribute.getType() != AttributeType.WITH) {
          continue;
        }
        LinkedHashSet<AttributeSet> carrying = index.get(attribute);
        if (carrying == null) {
          return List.of();
        }
        if (keys == null || carrying.size() < keys.size()) {
          keys = carrying;
        }
      }
      if (keys == null) {
        return new ArrayList<>(objects.entrySet());
      }
      List<Map.Entry<AttributeSet, String>> entries = new ArrayList<>(keys.size());
      for (AttributeSet key : keys) {
        String value = objects.get(key);
        if (value == null) {
          throw new IllegalStateException("the index names a key that is not stored: " + key);
        }
        entries.add(new SimpleImmutableEntry<>(key, value));
      }
      return entries;
    }

    @Override
    public synchronized String put(AttributeSet key, String value) {
      String previous = objects.put(key, value);
      if (previous == null) {
        for (Attribute a : attributesOf(key)) {
          index.computeIfAbsent(a, x -> new LinkedHashSet<>()).add(key);
        }
      }
      return previous;
    }

    @Override
    public synchronized String get(Object key) {
      return objects.get(key);
    }

    @Override
    public synchronized boolean containsKey(Object key) {
      return objects.containsKey(key);
    }

    @Override
    public synchronized String remove(Object key) {
      if (!(key instanceof AttributeSet attributes) || !objects.containsKey(key)) {
        return null;
      }
      String previous = objects.remove(key);
      unindex(attributes);
      return previous;
    }

    private void unindex(AttributeSet key) {
      for (Attribute a : attributesOf(key)) {
        LinkedHashSet<AttributeSet> carrying = index.get(a);
        if (carrying != null) {
          carrying.remove(key);
          if (carrying.isEmpty()) {
            index.remove(a);
          }
        }
      }
    }

    @Override
    public synchronized void clear() {
      objects.clear();
      index.clear();
    }

    @Override
    public synchronized int size() {
      return objects.size();
    }

    @Override
    public Set<Map.Entry<AttributeSet, String>> entrySet() {
      AttributeSet query = narrowing.get();
      if (query != null) {
        List<Map.Entry<AttributeSet, String>> candidates = candidates(query);
        return new AbstractSet<>() {
          @Override
          public Iterator<Map.Entry<AttributeSet, String>> iterator() {
            return java.util.Collections.unmodifiableList(candidates).iterator();
          }

          @Override
          public int size() {
            return candidates.size();
          }
        };
      }
      return new AbstractSet<>() {
        @Override
        public Iterator<Map.Entry<AttributeSet, String>> iterator() {
          Iterator<Map.Entry<AttributeSet, String>> it = objects.entrySet().iterator();
          return new Iterator<>() {
            private Map.Entry<AttributeSet, String> last;

            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Map.Entry<AttributeSet, String> next() {
              last = it.next();
              return last;
            }

            @Override
            public void remove() {
              it.remove();
              unindex(last.getKey());
            }
          };
        }

        @Override
        public int size() {
          return objects.size();
        }
      };
    }

    /** How many keys carry {@code attribute}; for tests. */
    synchronized int indexed(Attribute attribute) {
      LinkedHashSet<AttributeSet> carrying = index.get(attribute);
      return carrying == null ? 0 : carrying.size();
    }

    /** An AttributeSet's attributes; it exposes them only one name at a time. */
    @SuppressWarnings("unchecked")
    private static Collection<Attribute> attributesOf(AttributeSet set) {
      try {
        return ((Map<Key, Attribute>) ATTRIBUTES.get(set)).values();
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static final Field ATTRIBUTES = attributesField();

  private static Field attributesField() {
    try {
      Field field = AttributeSet.class.getDeclaredField("attributes");
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(
          "fabric8's AttributeSet no longer has the field 'attributes'; update IndexedCrudDispatcher",
          e);
    }
  }
}
