package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// crd is what a crds.go function sets on a CustomResourceDefinition besides its schema.
type crd struct {
	Group, Kind, Plural, Singular, Scope string
	ShortNames, Categories               []string
	Labels                               map[string]string
	Versions                             []version
	Columns                              []column
	StatusSubresource                    bool
}

type version struct {
	Name                        string
	Served, Storage, Deprecated bool
	DeprecationWarning          string
}

type column struct {
	Name, Type, JSONPath, Description string
	Priority                          int64
}

// Name is the CRD's metadata.name, built as crds.go builds it: plural "." group.
func (c crd) Name() string { return c.Plural + "." + c.Group }

func (c crd) storageVersion() (version, error) {
	for _, v := range c.Versions {
		if v.Storage {
			return v, nil
		}
	}
	return version{}, fmt.Errorf("%s has no storage version", c.Kind)
}

// goPackage is one parsed Go package: its top-level values and functions, and the import
// paths its files name by alias.
type goPackage struct {
	values    map[string]ast.Expr
	functions map[string]*ast.FuncDecl
	imports   map[string]string
}

// value is an expression with the package it is written in, so that names in it resolve there.
type value struct {
	expr ast.Expr
	pkg  *goPackage
}

// envelopeSources are crds.go and the kubevirt.io/api packages whose names it uses.
type envelopeSources struct {
	components *goPackage
	packages   map[string]*goPackage // by import path
}

func readEnvelopeSources(crdsGo, apiDir string) (*envelopeSources, error) {
	components, err := parsePackage([]string{crdsGo})
	if err != nil {
		return nil, err
	}
	sources := &envelopeSources{components: components, packages: map[string]*goPackage{}}
	for importPath, dir := range map[string]string{
		"kubevirt.io/api/core":    filepath.Join(apiDir, "core"),
		"kubevirt.io/api/core/v1": filepath.Join(apiDir, "core", "v1"),
	} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return nil, err
		}
		var sourceFiles []string
		for _, file := range files {
			if !strings.HasSuffix(file, "_test.go") {
				sourceFiles = append(sourceFiles, file)
			}
		}
		if len(sourceFiles) == 0 {
			return nil, fmt.Errorf("no Go files in %s", dir)
		}
		if sources.packages[importPath], err = parsePackage(sourceFiles); err != nil {
			return nil, err
		}
	}
	return sources, nil
}

func parsePackage(files []string) (*goPackage, error) {
	pkg := &goPackage{values: map[string]ast.Expr{}, functions: map[string]*ast.FuncDecl{}, imports: map[string]string{}}
	fileSet := token.NewFileSet()
	for _, path := range files {
		file, err := parser.ParseFile(fileSet, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, spec := range file.Imports {
			importPath, _ := strconv.Unquote(spec.Path.Value)
			alias := importPath[strings.LastIndex(importPath, "/")+1:]
			if spec.Name != nil {
				alias = spec.Name.Name
			}
			pkg.imports[alias] = importPath
		}
		for _, decl := range file.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					pkg.functions[d.Name.Name] = d
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					if valueSpec, ok := spec.(*ast.ValueSpec); ok {
						for i, name := range valueSpec.Names {
							if i < len(valueSpec.Values) {
								pkg.values[name.Name] = valueSpec.Values[i]
							}
						}
					}
				}
			}
		}
	}
	return pkg, nil
}

// resolve follows names (local, package-qualified, and fields of composite literals) to the
// expression they stand for.
func (s *envelopeSources) resolve(v value) (value, error) {
	for {
		switch e := v.expr.(type) {
		case *ast.Ident:
			next, ok := v.pkg.values[e.Name]
			if !ok {
				return v, fmt.Errorf("cannot resolve %s", e.Name)
			}
			v = value{next, v.pkg}
		case *ast.SelectorExpr:
			if alias, ok := e.X.(*ast.Ident); ok {
				if importPath, ok := v.pkg.imports[alias.Name]; ok {
					pkg, ok := s.packages[importPath]
					if !ok {
						return v, fmt.Errorf("%s.%s: package %s is not read", alias.Name, e.Sel.Name, importPath)
					}
					next, ok := pkg.values[e.Sel.Name]
					if !ok {
						return v, fmt.Errorf("%s has no value %s", importPath, e.Sel.Name)
					}
					v = value{next, pkg}
					continue
				}
			}
			owner, err := s.resolve(value{e.X, v.pkg})
			if err != nil {
				return v, err
			}
			literal, ok := owner.expr.(*ast.CompositeLit)
			if !ok {
				return v, fmt.Errorf("cannot take field %s of %T", e.Sel.Name, owner.expr)
			}
			next, ok := field(literal, e.Sel.Name)
			if !ok {
				return v, fmt.Errorf("no field %s", e.Sel.Name)
			}
			v = value{next, owner.pkg}
		default:
			return v, nil
		}
	}
}

func (s *envelopeSources) str(v value) (string, error) {
	return stringValue(v.expr, func(expr ast.Expr) (ast.Expr, bool) {
		resolved, err := s.resolve(value{expr, v.pkg})
		if err != nil || resolved.expr == expr {
			return nil, false
		}
		// A resolved name may itself use names of its own package.
		text, err := s.str(resolved)
		if err != nil {
			return nil, false
		}
		return &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(text)}, true
	})
}

func (s *envelopeSources) strings(v value) ([]string, error) {
	resolved, err := s.resolve(v)
	if err != nil {
		return nil, err
	}
	literal, ok := resolved.expr.(*ast.CompositeLit)
	if !ok {
		return nil, fmt.Errorf("not a slice literal: %T", resolved.expr)
	}
	var result []string
	for _, element := range literal.Elts {
		text, err := s.str(value{element, resolved.pkg})
		if err != nil {
			return nil, err
		}
		result = append(result, text)
	}
	return result, nil
}

func (s *envelopeSources) boolean(v value) (bool, error) {
	resolved, err := s.resolve(v)
	if ident, ok := resolved.expr.(*ast.Ident); ok && (ident.Name == "true" || ident.Name == "false") {
		return ident.Name == "true", nil
	}
	if err == nil {
		err = fmt.Errorf("not a boolean: %T", resolved.expr)
	}
	return false, err
}

func field(literal *ast.CompositeLit, name string) (ast.Expr, bool) {
	for _, element := range literal.Elts {
		if entry, ok := element.(*ast.KeyValueExpr); ok {
			if key, ok := entry.Key.(*ast.Ident); ok && key.Name == name {
				return entry.Value, true
			}
		}
	}
	return nil, false
}

// typeName spells a composite literal's type as written, e.g. "[]extv1.CustomResourceColumnDefinition".
func typeName(expr ast.Expr) string {
	switch e := expr.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return typeName(e.X) + "." + e.Sel.Name
	case *ast.ArrayType:
		return "[]" + typeName(e.Elt)
	case *ast.MapType:
		return "map[" + typeName(e.Key) + "]" + typeName(e.Value)
	case *ast.StarExpr:
		return "*" + typeName(e.X)
	}
	return fmt.Sprintf("%T", expr)
}

// literals returns the composite literals of a type in a function body, and the names of the
// functions it calls.
func literals(function *ast.FuncDecl) (map[string][]*ast.CompositeLit, map[string]bool) {
	found := map[string][]*ast.CompositeLit{}
	calls := map[string]bool{}
	ast.Inspect(function.Body, func(node ast.Node) bool {
		switch n := node.(type) {
		case *ast.CompositeLit:
			if n.Type != nil {
				found[typeName(n.Type)] = append(found[typeName(n.Type)], n)
			}
		case *ast.CallExpr:
			if ident, ok := n.Fun.(*ast.Ident); ok {
				calls[ident.Name] = true
			}
		}
		return true
	})
	return found, calls
}

func one(found map[string][]*ast.CompositeLit, typ string) (*ast.CompositeLit, error) {
	if len(found[typ]) != 1 {
		return nil, fmt.Errorf("expected one %s literal, found %d", typ, len(found[typ]))
	}
	return found[typ][0], nil
}

// envelope reads what the crds.go function sets on its CRD. It fails, rather than guess, on
// anything it does not understand (a scale subresource, fields set on some versions only), so
// that a new KubeVirt version that builds its CRDs differently is noticed here.
func (s *envelopeSources) envelope(functionName string) (crd, error) {
	c := crd{}
	function, ok := s.components.functions[functionName]
	if !ok {
		return c, fmt.Errorf("crds.go has no function %s", functionName)
	}
	found, calls := literals(function)
	in := func(expr ast.Expr) value { return value{expr, s.components} }

	names, err := one(found, "extv1.CustomResourceDefinitionNames")
	if err != nil {
		return c, err
	}
	for key, target := range map[string]*string{"Plural": &c.Plural, "Singular": &c.Singular, "Kind": &c.Kind} {
		expr, ok := field(names, key)
		if !ok {
			return c, fmt.Errorf("names have no %s", key)
		}
		if *target, err = s.str(in(expr)); err != nil {
			return c, fmt.Errorf("names.%s: %w", key, err)
		}
	}
	for key, target := range map[string]*[]string{"ShortNames": &c.ShortNames, "Categories": &c.Categories} {
		if expr, ok := field(names, key); ok {
			if *target, err = s.strings(in(expr)); err != nil {
				return c, fmt.Errorf("names.%s: %w", key, err)
			}
		}
	}

	spec, err := one(found, "extv1.CustomResourceDefinitionSpec")
	if err != nil {
		return c, err
	}
	for key, target := range map[string]*string{"Group": &c.Group, "Scope": &c.Scope} {
		expr, ok := field(spec, key)
		if !ok {
			return c, fmt.Errorf("spec has no %s", key)
		}
		if *target, err = s.str(in(expr)); err != nil {
			return c, fmt.Errorf("spec.%s: %w", key, err)
		}
	}
	versions, ok := field(spec, "Versions")
	if !ok {
		return c, fmt.Errorf("spec has no Versions")
	}
	if c.Versions, err = s.versions(in(versions)); err != nil {
		return c, err
	}

	if c.Labels, err = s.labels(function, calls); err != nil {
		return c, err
	}

	columns := found["[]extv1.CustomResourceColumnDefinition"]
	statuses := found["extv1.CustomResourceSubresourceStatus"]
	if len(found["extv1.CustomResourceSubresourceScale"]) > 0 {
		return c, fmt.Errorf("a scale subresource is not supported by this generator")
	}
	if (len(columns) > 0 || len(statuses) > 0) && !calls["addFieldsToAllVersions"] {
		return c, fmt.Errorf("columns or subresources are not set through addFieldsToAllVersions")
	}
	if len(columns) > 1 || len(statuses) > 1 {
		return c, fmt.Errorf("more than one list of columns or status subresource")
	}
	c.StatusSubresource = len(statuses) == 1
	if len(columns) == 1 {
		for _, element := range columns[0].Elts {
			definition, ok := element.(*ast.CompositeLit)
			if !ok {
				return c, fmt.Errorf("a column is not a literal")
			}
			col, err := s.column(definition)
			if err != nil {
				return c, err
			}
			c.Columns = append(c.Columns, col)
		}
	}
	return c, nil
}

// versions reads the CRD's versions: a literal, or newCRDVersions(), which copies a list of
// the kubevirt.io/api module.
func (s *envelopeSources) versions(v value) ([]version, error) {
	if call, ok := v.expr.(*ast.CallExpr); ok {
		name, _ := call.Fun.(*ast.Ident)
		if name == nil || s.components.functions[name.Name] == nil {
			return nil, fmt.Errorf("versions from an unknown call")
		}
		var source ast.Expr
		ast.Inspect(s.components.functions[name.Name].Body, func(node ast.Node) bool {
			if inner, ok := node.(*ast.CallExpr); ok {
				if fun, ok := inner.Fun.(*ast.Ident); ok && fun.Name == "copy" && len(inner.Args) == 2 {
					source = inner.Args[1]
				}
			}
			return true
		})
		if source == nil {
			return nil, fmt.Errorf("%s does not copy a list of versions", name.Name)
		}
		v = value{source, s.components}
	}
	resolved, err := s.resolve(v)
	if err != nil {
		return nil, err
	}
	list, ok := resolved.expr.(*ast.CompositeLit)
	if !ok {
		return nil, fmt.Errorf("versions are not a literal")
	}
	var result []version
	for _, element := range list.Elts {
		literal, ok := element.(*ast.CompositeLit)
		if !ok {
			return nil, fmt.Errorf("a version is not a literal")
		}
		at := func(expr ast.Expr) value { return value{expr, resolved.pkg} }
		ver := version{}
		for _, entry := range literal.Elts {
			keyValue := entry.(*ast.KeyValueExpr)
			switch key := keyValue.Key.(*ast.Ident).Name; key {
			case "Name":
				ver.Name, err = s.str(at(keyValue.Value))
			case "Served":
				ver.Served, err = s.boolean(at(keyValue.Value))
			case "Storage":
				ver.Storage, err = s.boolean(at(keyValue.Value))
			case "Deprecated":
				ver.Deprecated, err = s.boolean(at(keyValue.Value))
			case "DeprecationWarning":
				// pointer.String("...") or pointer.P("...")
				call, ok := keyValue.Value.(*ast.CallExpr)
				if !ok || len(call.Args) != 1 {
					return nil, fmt.Errorf("DeprecationWarning is not a pointer to a string")
				}
				ver.DeprecationWarning, err = s.str(at(call.Args[0]))
			default:
				return nil, fmt.Errorf("version field %s is not supported", key)
			}
			if err != nil {
				return nil, err
			}
		}
		result = append(result, ver)
	}
	return result, nil
}

// labels reads the CRD's labels: set in the function, or by newBlankCrd() which it calls.
func (s *envelopeSources) labels(function *ast.FuncDecl, calls map[string]bool) (map[string]string, error) {
	var labels *ast.CompositeLit
	find := func(body *ast.FuncDecl) {
		ast.Inspect(body.Body, func(node ast.Node) bool {
			if entry, ok := node.(*ast.KeyValueExpr); ok {
				if key, ok := entry.Key.(*ast.Ident); ok && key.Name == "Labels" {
					labels, _ = entry.Value.(*ast.CompositeLit)
				}
			}
			return labels == nil
		})
	}
	find(function)
	if labels == nil && calls["newBlankCrd"] {
		find(s.components.functions["newBlankCrd"])
	}
	if labels == nil {
		return nil, fmt.Errorf("no labels found")
	}
	result := map[string]string{}
	for _, element := range labels.Elts {
		entry := element.(*ast.KeyValueExpr)
		key, err := s.str(value{entry.Key, s.components})
		if err != nil {
			return nil, err
		}
		if result[key], err = s.str(value{entry.Value, s.components}); err != nil {
			return nil, err
		}
	}
	return result, nil
}

func (s *envelopeSources) column(definition *ast.CompositeLit) (column, error) {
	col := column{}
	for _, element := range definition.Elts {
		entry := element.(*ast.KeyValueExpr)
		var err error
		at := value{entry.Value, s.components}
		key := entry.Key.(*ast.Ident).Name
		switch key {
		case "Name":
			col.Name, err = s.str(at)
		case "Type":
			col.Type, err = s.str(at)
		case "JSONPath":
			col.JSONPath, err = s.str(at)
		case "Description":
			col.Description, err = s.str(at)
		case "Priority":
			literal, ok := entry.Value.(*ast.BasicLit)
			if !ok || literal.Kind != token.INT {
				return col, fmt.Errorf("column priority is not an integer literal")
			}
			col.Priority, err = strconv.ParseInt(literal.Value, 10, 32)
		default:
			return col, fmt.Errorf("column field %s is not supported", key)
		}
		if err != nil {
			return col, fmt.Errorf("column %s: %w", key, err)
		}
	}
	return col, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
