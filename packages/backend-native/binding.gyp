{
  "targets": [
    {
      "target_name": "graphflow_native",
      "sources": [
        "native/addon.cc",
        "native/context.cc",
        "native/layout.cc",
        "native/ops/conv_geometry.cc",
        "native/ops/conv2d.cc",
        "native/ops/conv2d_backprop_input.cc",
        "native/ops/conv2d_backprop_filter.cc",
        "native/ops/max_pool_grad.cc",
        "native/ops/concat.cc",
        "native/ops/batch_norm.cc",
        "native/ops/batch_norm_training.cc",
        "native/ops/prelu.cc",
        "native/ops/adam_update.cc",
        "native/ops/batch_mat_mul.cc",
        "native/ops/space_to_batch.cc",
        "native/ops/clip_by_value_grad.cc",
        "native/ops/transpose.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-trapping-math", "-fopenmp", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
