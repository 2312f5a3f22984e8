using Microsoft.ML.OnnxRuntime;

namespace RecoGrid.Scoring;

/// <summary>Builds ONNX Runtime session options for the configured execution provider, with the start-up failure or CPU fallback.</summary>
internal static class ExecutionProviderSelector
{
#if ONNXRUNTIME_GPU
    public static string UnavailableMessage(string detail) =>
        $"Scoring:ExecutionProvider is Cuda, but ONNX Runtime's CUDA execution provider could not start ({detail}). "
        + "This is the GPU build (-p:OnnxRuntimeFlavor=Gpu): run it on a machine with CUDA (an NVIDIA GPU and driver plus the "
        + "CUDA and cuDNN libraries Microsoft.ML.OnnxRuntime.Gpu needs), or set Scoring:AllowCpuFallback=true to score on the CPU.";
#else
    public static string UnavailableMessage(string detail) =>
        $"Scoring:ExecutionProvider is Cuda, but ONNX Runtime's CUDA execution provider is not available ({detail}). "
        + "Build with -p:OnnxRuntimeFlavor=Gpu on a machine with CUDA (an NVIDIA driver plus the CUDA and cuDNN libraries "
        + "Microsoft.ML.OnnxRuntime.Gpu needs), or set Scoring:AllowCpuFallback=true to score on the CPU.";
#endif

    /// <summary>Session options for CPU scoring: sequential graph, all optimizations, the configured intra-op threads.</summary>
    public static SessionOptions CreateCpu(ScoringOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            IntraOpNumThreads = options.IntraOpThreads,
        };

        // Spinning intra-op threads keep cores busy between runs, starving the callers that form the next batch.
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.IntraOpSpinning ? "1" : "0");
        return sessionOptions;
    }

    /// <summary>
    /// Session options for the configured provider. Throws <see cref="ExecutionProviderUnavailableException"/> when Cuda
    /// cannot be used and fallback is off; with fallback it reports a warning and returns CPU options.
    /// </summary>
    public static SessionOptions Create(ScoringOptions options, Action<string>? warning, out ScoringExecutionProvider provider)
    {
        var sessionOptions = CreateCpu(options);
        provider = ScoringExecutionProvider.Cpu;
        if (options.ExecutionProvider != ScoringExecutionProvider.Cuda)
        {
            return sessionOptions;
        }

        try
        {
            sessionOptions.AppendExecutionProvider_CUDA(0);
            provider = ScoringExecutionProvider.Cuda;
            return sessionOptions;
        }
        catch (Exception ex) when (IsProviderFailure(ex))
        {
            sessionOptions.Dispose();
            if (!options.AllowCpuFallback)
            {
                throw new ExecutionProviderUnavailableException(UnavailableMessage(ex.Message), ex);
            }

            warning?.Invoke(UnavailableMessage(ex.Message) + " Scoring:AllowCpuFallback is true: scoring on the CPU.");
            return CreateCpu(options);
        }
    }

    public static bool IsProviderFailure(Exception ex) =>
        ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or TypeInitializationException;
}
