module github.com/gatehouse-go/gatehouse/.ci/mutate

go 1.26
