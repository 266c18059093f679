// A stand-in model for the queue's and the endpoints' tests.
#pragma once

#include "batch_queue.hpp"

namespace inference::testing {

/// Output row = {sum of the row, first value}: each caller can check it got its own rows back.
inline BatchOutput sum_and_first(const std::vector<float>& in, std::size_t rows,
                                 std::size_t width) {
  BatchOutput out;
  out.output_width = 2;
  for (std::size_t r = 0; r < rows; ++r) {
    float sum = 0;
    for (std::size_t c = 0; c < width; ++c) {
      sum += in[r * width + c];
    }
    out.outputs.push_back(sum);
    out.outputs.push_back(in[r * width]);
  }
  return out;
}

} // namespace inference::testing
