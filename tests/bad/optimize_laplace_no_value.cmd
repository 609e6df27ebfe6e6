optimize ok_model.gb --data ok_data.json --laplace
