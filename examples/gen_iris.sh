#!/usr/bin/env bash
# Writes examples/iris_mlp.json from Fisher's iris data as R ships it (Debian package r-base-core,
# R's datasets package): the four measurements standardised (mean 0, sd 1) and the species as
# 1 setosa, 2 versicolor, 3 virginica.  Run: bash examples/gen_iris.sh  (needs Rscript)
set -eu
cd "$(dirname "$0")"
Rscript -e '
X <- scale(as.matrix(iris[, 1:4]))
rows <- apply(round(X, 6), 1, function(r) paste0("[", paste(r, collapse = ", "), "]"))
y <- as.integer(iris$Species)
cat("{\n  \"N\": 150,\n  \"D\": 4,\n  \"X\": [", paste(rows, collapse = ", "), "],\n",
    "  \"species\": [", paste(y, collapse = ", "), "]\n}\n", sep = "", file = "iris_mlp.json")
'
