namespace RecoGrid.Grains.Common;

/// <summary>
/// Grain references for the hot paths without Orleans' per-call type resolution: <c>GetGrain&lt;T&gt;(key)</c> in
/// Orleans 10.4 resolves the interface type on every call (custom-attribute reflection and type-name parsing, about
/// 2.5 KB allocated per reference). Here the interface and grain types are resolved once per interface, through the
/// ordinary call, and later references are built from them directly.
/// </summary>
public static class GrainReferences
{
    /// <summary>A reference to the grain of <typeparamref name="T"/> with string key <paramref name="key"/>; the same as <c>GetGrain&lt;T&gt;(key)</c>.</summary>
    public static T Reference<T>(this IGrainFactory grains, string key)
        where T : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (ResolvedTypes<T>.Value is { } types)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(key);
            return (T)grains.GetGrain(GrainId.Create(types.Grain, IdSpan.Create(key)), types.Interface);
        }

        return ResolvedTypes<T>.Remember(grains.GetGrain<T>(key));
    }

    /// <summary>A reference to the grain of <typeparamref name="T"/> with integer key <paramref name="key"/>; the same as <c>GetGrain&lt;T&gt;(key)</c>.</summary>
    public static T Reference<T>(this IGrainFactory grains, long key)
        where T : IGrainWithIntegerKey
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (ResolvedTypes<T>.Value is { } types)
        {
            return (T)grains.GetGrain(GrainId.Create(types.Grain, GrainIdKeyExtensions.CreateIntegerKey(key)), types.Interface);
        }

        return ResolvedTypes<T>.Remember(grains.GetGrain<T>(key));
    }

    private sealed record Types(GrainType Grain, GrainInterfaceType Interface);

    private static class ResolvedTypes<T>
    {
        // Both are fixed by the grain interface and its one implementation class, the same on every silo of a process.
        public static volatile Types? Value;

        public static T Remember(T grain)
        {
            // A type Orleans could not resolve yet is a placeholder ("sys.grain.stub."): not worth keeping.
            if (grain is GrainReference reference && !reference.GrainId.Type.ToString()!.StartsWith(GrainTypePrefix.SystemPrefix, StringComparison.Ordinal))
            {
                Value = new Types(reference.GrainId.Type, reference.InterfaceType);
            }

            return grain;
        }
    }
}
