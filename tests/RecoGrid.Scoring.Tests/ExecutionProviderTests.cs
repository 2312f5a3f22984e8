namespace RecoGrid.Scoring.Tests;

public sealed class ExecutionProviderTests
{
    private static readonly Onnx.ScoringModelArtifact Artifact = TestModels.Artifact("v1", items: 50, factors: 4, seed: 1);

    [Fact]
    public void TheCpuProviderIsTheDefaultAndScores()
    {
        using var model = ScoringModel.Load(Artifact, TestModels.Options());

        Assert.Equal(ScoringExecutionProvider.Cpu, model.ExecutionProvider);
        Assert.Equal(5, model.RunTopK(new float[] { 1, 0, 0, 0 }, 1, null, 5)[0].Count);
    }

    [Fact]
    public void CudaWithoutTheNativeProviderFailsAtLoadWithAMessageNamingTheFix()
    {
        var options = TestModels.Options(o => o.ExecutionProvider = ScoringExecutionProvider.Cuda);

        var error = Assert.Throws<ExecutionProviderUnavailableException>(() => ScoringModel.Load(Artifact, options));

        Assert.Contains("-p:OnnxRuntimeFlavor=Gpu", error.Message, StringComparison.Ordinal);
        Assert.Contains("CUDA", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scoring:AllowCpuFallback=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaWithCpuFallbackWarnsAndScoresOnTheCpu()
    {
        var warnings = new List<string>();
        var options = TestModels.Options(o =>
        {
            o.ExecutionProvider = ScoringExecutionProvider.Cuda;
            o.AllowCpuFallback = true;
        });

        using var model = ScoringModel.Load(Artifact, options, warnings.Add);

        Assert.Equal(ScoringExecutionProvider.Cpu, model.ExecutionProvider);
        Assert.Contains(warnings, warning => warning.Contains("AllowCpuFallback", StringComparison.Ordinal));
        Assert.Equal(5, model.RunTopK(new float[] { 1, 0, 0, 0 }, 1, null, 5)[0].Count);
    }
}
