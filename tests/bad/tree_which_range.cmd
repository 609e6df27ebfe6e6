tree ../../examples/iris_tree/iris_tree.gb --data ../../examples/iris_tree/iris.json --trees ok_tree.jsonl --which 4
