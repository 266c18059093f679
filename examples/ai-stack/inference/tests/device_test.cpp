#include "device.hpp"

#include <gtest/gtest.h>

namespace inference {
namespace {

TEST(ChooseDevice, UsesTheFirstVisibleCudaDeviceWhenThereIsOne) {
  DeviceError error;
  GpuEnvironment env;
  env.nvidia_visible_devices = "GPU-2b7c";
  env.aic_gpu_uuids = "GPU-2b7c";
  auto d = choose_device(DevicePreference::Auto, env, CudaRuntime{true, 1}, &error);
  EXPECT_TRUE(error.message.empty());
  EXPECT_TRUE(d.cuda);
  EXPECT_EQ(d.name(), "cuda:0");
  EXPECT_EQ(d.assigned_gpus, "GPU-2b7c");
  EXPECT_NE(d.reason.find("assigned GPU-2b7c"), std::string::npos) << d.reason;
}

TEST(ChooseDevice, FallsBackToTheCpuAndSaysWhy) {
  DeviceError error;
  GpuEnvironment env;
  env.nvidia_visible_devices = "GPU-2b7c";
  auto d = choose_device(DevicePreference::Auto, env, CudaRuntime{false, 0}, &error);
  EXPECT_TRUE(error.message.empty());
  EXPECT_FALSE(d.cuda);
  EXPECT_EQ(d.name(), "cpu");
  EXPECT_NE(d.reason.find("GPU GPU-2b7c assigned, but this LibTorch has no usable CUDA"),
            std::string::npos)
      << d.reason;

  auto none = choose_device(DevicePreference::Auto, {}, CudaRuntime{false, 0}, &error);
  EXPECT_EQ(none.reason, "no GPU assigned; running on the CPU");
}

TEST(ChooseDevice, ReadsNoGpuFromVoidNoneAndAicsOptionalFallback) {
  DeviceError error;
  for (const char* visible : {"void", "none", ""}) {
    GpuEnvironment env;
    env.nvidia_visible_devices = visible;
    EXPECT_EQ(choose_device(DevicePreference::Auto, env, {}, &error).assigned_gpus, "") << visible;
  }
  GpuEnvironment optional;
  optional.aic_gpu = "none";
  optional.nvidia_visible_devices = "0";
  EXPECT_EQ(choose_device(DevicePreference::Auto, optional, {}, &error).assigned_gpus, "");
}

TEST(ChooseDevice, ForcedCudaWithoutCudaIsAnErrorNotAFallback) {
  DeviceError error;
  GpuEnvironment env;
  env.nvidia_visible_devices = "0";
  choose_device(DevicePreference::Cuda, env, CudaRuntime{false, 0}, &error);
  EXPECT_NE(error.message.find("AIC_DEVICE=cuda, but this LibTorch has no usable CUDA"),
            std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("assigned 0"), std::string::npos);
}

TEST(ChooseDevice, ForcedCpuIgnoresCuda) {
  DeviceError error;
  auto d = choose_device(DevicePreference::Cpu, {}, CudaRuntime{true, 2}, &error);
  EXPECT_FALSE(d.cuda);
  EXPECT_EQ(d.reason, "AIC_DEVICE=cpu");
}

TEST(DevicePreference, ParsesTheThreeSettings) {
  EXPECT_EQ(parse_device_preference("auto"), DevicePreference::Auto);
  EXPECT_EQ(parse_device_preference(""), DevicePreference::Auto);
  EXPECT_EQ(parse_device_preference("cpu"), DevicePreference::Cpu);
  EXPECT_EQ(parse_device_preference("cuda"), DevicePreference::Cuda);
  EXPECT_FALSE(parse_device_preference("tpu"));
}

} // namespace
} // namespace inference
