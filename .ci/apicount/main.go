// Command apicount counts the exported identifiers of every public package
// of the module: types, funcs, methods of exported types, fields of exported
// structs, interface methods, consts and vars. Tests, examples and internal
// packages are left out. With -v it lists them.
//
//	go run ./.ci/apicount [-v] .
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	verbose := flag.Bool("v", false, "list the identifiers")
	flag.Parse()
	root := flag.Arg(0)
	if root == "" {
		root = "."
	}
	names := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if p != root && (n == "node_modules" || n == "testdata" || n == "internal" || n == "examples" || strings.HasPrefix(n, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		names[rel] = append(names[rel], exported(f)...)
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pkgs := make([]string, 0, len(names))
	for k := range names {
		pkgs = append(pkgs, k)
	}
	sort.Strings(pkgs)
	total := 0
	for _, k := range pkgs {
		total += len(names[k])
		fmt.Printf("%-30s %d\n", k, len(names[k]))
		if *verbose {
			sort.Strings(names[k])
			for _, n := range names[k] {
				fmt.Printf("    %s\n", n)
			}
		}
	}
	fmt.Printf("%-30s %d\n", "total", total)
}

func exported(f *ast.File) []string {
	var out []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv == nil {
				out = append(out, d.Name.Name)
				continue
			}
			if recv := recvName(d.Recv.List[0].Type); ast.IsExported(recv) {
				out = append(out, recv+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					out = append(out, s.Name.Name)
					var list *ast.FieldList
					switch t := s.Type.(type) {
					case *ast.StructType:
						list = t.Fields
					case *ast.InterfaceType:
						list = t.Methods
					}
					if list == nil {
						continue
					}
					for _, fl := range list.List {
						for _, nm := range fl.Names {
							if nm.IsExported() {
								out = append(out, s.Name.Name+"."+nm.Name)
							}
						}
					}
				case *ast.ValueSpec:
					for _, nm := range s.Names {
						if nm.IsExported() {
							out = append(out, nm.Name)
						}
					}
				}
			}
		}
	}
	return out
}

func recvName(t ast.Expr) string {
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
