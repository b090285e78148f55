using WorkingPoint.Lab.Agent;

namespace WorkingPoint.Lab.Tests;

public sealed class DeviceProbeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wpt-probe-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void File(string path, string text = "")
    {
        var full = Path.Combine(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, text);
    }

    [Fact]
    public void A_machine_without_accelerator_nodes_lists_none()
    {
        File("dev/null");

        Assert.Empty(DeviceProbe.Accelerators(_root));
    }

    [Fact]
    public void A_discrete_nvidia_gpu_is_named_by_its_driver()
    {
        File("dev/nvidia0");
        File("dev/nvidiactl");
        File("proc/driver/nvidia/gpus/0000:01:00.0/information", "Model: \t\t NVIDIA H200\nIRQ: 10\n");

        Assert.Equal(["cuda:NVIDIA H200"], DeviceProbe.Accelerators(_root));
    }

    [Fact]
    public void A_jetson_is_named_by_its_device_tree_model_and_a_hailo_beside_it_is_found()
    {
        File("dev/nvhost-ctrl-gpu");
        File("proc/device-tree/model", "NVIDIA Jetson Orin Nano Developer Kit\0");
        File("dev/hailo0");

        Assert.Equal(["cuda:NVIDIA Jetson Orin Nano Developer Kit", "hailo"], DeviceProbe.Accelerators(_root));
        Assert.Equal("NVIDIA Jetson Orin Nano Developer Kit", DeviceProbe.BoardModel(_root));
    }

    [Fact]
    public void Edge_tpus_rockchip_npus_and_accel_class_npus_are_found()
    {
        File("dev/apex_0");
        File("dev/rknpu");
        File("dev/accel/accel0");

        Assert.Equal(["edgetpu", "rknpu", "npu"], DeviceProbe.Accelerators(_root));
    }

    [Fact]
    public void Capabilities_take_the_fingerprints_figures_and_the_executors_runtimes_and_kinds()
    {
        File("dev/null");

        var capabilities = DeviceProbe.Capabilities(Records.Machine, FakeExecutor.Saving(), _root);

        Assert.Equal("x64", capabilities.Architecture);
        Assert.Equal(4, capabilities.LogicalCores);
        Assert.Equal(8L << 30, capabilities.MemoryBytes);
        Assert.Equal("10.0", capabilities.Runtimes[".NET"]);
        Assert.Equal("1.23.2", capabilities.Runtimes["onnxruntime"]);
        Assert.Equal(2, capabilities.JobKinds.Count);
    }
}
