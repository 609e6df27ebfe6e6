check ok_mem_loop.gb --memory 16G
