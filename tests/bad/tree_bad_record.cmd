tree ../../examples/iris_tree/iris_tree.gb --data ../../examples/iris_tree/iris.json --trees tree_bad_record.jsonl
