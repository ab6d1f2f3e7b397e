package main

import (
	"fmt"
	"sort"
	"strings"
)

// A node is one line of the schema YAML with the lines it owns: those indented deeper, and the
// "- item" lines of a list that Kubernetes' YAML printer writes at its key's indent. This is all
// the YAML the pruning needs: it only removes whole subtrees, so every kept line stays as
// KubeVirt wrote it.
type node struct {
	text     string
	indent   int
	children []*node
}

func (n *node) key() string {
	trimmed := strings.TrimSpace(n.text)
	if strings.HasPrefix(trimmed, "- ") {
		return ""
	}
	if i := strings.Index(trimmed, ":"); i >= 0 {
		return trimmed[:i]
	}
	return ""
}

func (n *node) child(key string) *node {
	for _, c := range n.children {
		if c.key() == key {
			return c
		}
	}
	return nil
}

func (n *node) write(b *strings.Builder) {
	b.WriteString(n.text)
	b.WriteString("\n")
	for _, c := range n.children {
		c.write(b)
	}
}

func indentOf(text string) int { return len(text) - len(strings.TrimLeft(text, " ")) }

// owns says whether a line belongs to the subtree of an earlier line.
func owns(parent *node, text string) bool {
	if strings.TrimSpace(text) == "" {
		return true
	}
	indent := indentOf(text)
	if indent > parent.indent {
		return true
	}
	isItem := strings.HasPrefix(strings.TrimLeft(text, " "), "- ")
	return indent == parent.indent && isItem && parent.key() != ""
}

func parseTree(yaml string) *node {
	root := &node{indent: -1}
	stack := []*node{root}
	for _, text := range strings.Split(strings.TrimRight(yaml, "\n"), "\n") {
		for len(stack) > 1 && !owns(stack[len(stack)-1], text) {
			stack = stack[:len(stack)-1]
		}
		line := &node{text: text, indent: indentOf(text)}
		if strings.TrimSpace(text) == "" {
			line.indent = stack[len(stack)-1].indent + 1
		}
		parent := stack[len(stack)-1]
		parent.children = append(parent.children, line)
		stack = append(stack, line)
	}
	return root
}

// keptTree is keptFields of one kind as a tree of path segments; a nil subtree keeps everything.
type keptTree map[string]keptTree

func buildKeptTree(paths []string) keptTree {
	tree := keptTree{}
	for _, path := range paths {
		current := tree
		segments := strings.Split(strings.ReplaceAll(path, "[]", ".[]"), ".")
		for i, segment := range segments {
			next, seen := current[segment]
			if i == len(segments)-1 {
				current[segment] = nil
				break
			}
			if seen && next == nil {
				break // an ancestor is kept whole already
			}
			if next == nil {
				next = keptTree{}
				current[segment] = next
			}
			current = next
		}
	}
	return tree
}

// pruneSchema cuts an "openAPIV3Schema: ..." document down to the kept paths.
func pruneSchema(schema string, paths []string) (string, error) {
	if len(paths) == 0 {
		return "", fmt.Errorf("no kept fields")
	}
	root := parseTree(schema)
	document := root.child("openAPIV3Schema")
	if document == nil {
		return "", fmt.Errorf("no openAPIV3Schema")
	}
	if err := prune(document, buildKeptTree(paths), ""); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, c := range root.children {
		c.write(&b)
	}
	return b.String(), nil
}

// prune keeps, of the schema at n, the properties named in kept (recursively), and drops the
// required entries and CEL rules that would name dropped properties.
func prune(n *node, kept keptTree, path string) error {
	if items, ok := kept["[]"]; ok {
		itemsNode := n.child("items")
		if itemsNode == nil {
			return fmt.Errorf("%s is not an array", path)
		}
		if items == nil {
			return nil
		}
		return prune(itemsNode, items, path+"[]")
	}
	properties := n.child("properties")
	if properties == nil {
		return fmt.Errorf("%s has no properties", orRoot(path))
	}
	var names []string
	for name := range kept {
		if properties.child(name) == nil {
			return fmt.Errorf("%s has no property %s", orRoot(path), name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var children []*node
	for _, property := range properties.children {
		subtree, ok := kept[property.key()]
		if !ok {
			continue
		}
		if subtree != nil {
			if err := prune(property, subtree, strings.TrimPrefix(path+"."+property.key(), ".")); err != nil {
				return err
			}
		}
		children = append(children, property)
	}
	properties.children = children

	var rest []*node
	for _, c := range n.children {
		switch c.key() {
		case "required":
			var required []*node
			for _, item := range c.children {
				name := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(item.text), "- "))
				if _, ok := kept[name]; ok {
					required = append(required, item)
				}
			}
			if len(required) == 0 {
				continue
			}
			c.children = required
		case "x-kubernetes-validations":
			continue // CEL rules may name dropped fields; the model does not validate anyway
		}
		rest = append(rest, c)
	}
	n.children = rest
	return nil
}

func orRoot(path string) string {
	if path == "" {
		return "the root"
	}
	return path
}
