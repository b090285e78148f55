using WorkingPoint.Core.Workloads.Zoo;

namespace WorkingPoint.Core.Workloads;

/// <summary>The vision and enhancement networks defined in code.</summary>
public static class ModelZoo
{
    public static IReadOnlyList<GraphModel> GraphModels { get; } =
    [
        Yolov8.Create('n'),
        Yolov8.Create('s'),
        Yolov8.Create('m'),
        Yolov8.Create('l'),
        Yolov8.Create('x'),
        Classifiers.ResNet50(),
        Classifiers.MobileNetV2(),
        Enhancement.EspcnX2(),
        Enhancement.DnCnn3(),
    ];
}
