using System.Runtime.CompilerServices;
namespace RecoGrid.Training.Evaluation;

/// <summary>Partial selection of the K best-scoring items with a bounded min-heap: O(n log K), no full sort.</summary>
public static class TopK
{
    /// <summary>
    /// Writes the indices of the (up to) K highest scores into <paramref name="result"/>, best first, skipping the
    /// items in <paramref name="excludedSorted"/> (ascending) and NaN scores. Ties go to the lower index.
    /// Returns the number written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Select(ReadOnlySpan<float> scores, int k, ReadOnlySpan<int> excludedSorted, Span<int> result)
    {
        k = Math.Min(k, result.Length);
        if (k <= 0)
        {
            return 0;
        }

        // heap[0] is the worst kept item: lowest score, and among equal scores the highest index.
        Span<int> heap = result[..k];
        var size = 0;
        var nextExcluded = 0;
        for (var item = 0; item < scores.Length; item++)
        {
            while (nextExcluded < excludedSorted.Length && excludedSorted[nextExcluded] < item)
            {
                nextExcluded++;
            }

            if (nextExcluded < excludedSorted.Length && excludedSorted[nextExcluded] == item)
            {
                continue;
            }

            var score = scores[item];
            if (float.IsNaN(score))
            {
                continue;
            }

            if (size < k)
            {
                heap[size] = item;
                SiftUp(heap, scores, size);
                size++;
            }
            else if (Better(score, item, scores[heap[0]], heap[0]))
            {
                heap[0] = item;
                SiftDown(heap, scores, 0, size);
            }
        }

        // Heap sort in place: repeatedly move the worst to the end, leaving best first.
        for (var end = size - 1; end > 0; end--)
        {
            (heap[0], heap[end]) = (heap[end], heap[0]);
            SiftDown(heap, scores, 0, end);
        }

        return size;
    }

    private static bool Better(float score, int item, float otherScore, int otherItem) =>
        score > otherScore || (score == otherScore && item < otherItem);

    private static void SiftUp(Span<int> heap, ReadOnlySpan<float> scores, int index)
    {
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            if (!Better(scores[heap[parent]], heap[parent], scores[heap[index]], heap[index]))
            {
                break;
            }

            (heap[parent], heap[index]) = (heap[index], heap[parent]);
            index = parent;
        }
    }

    private static void SiftDown(Span<int> heap, ReadOnlySpan<float> scores, int index, int size)
    {
        while (true)
        {
            var worst = index;
            var left = (2 * index) + 1;
            var right = left + 1;
            if (left < size && Better(scores[heap[worst]], heap[worst], scores[heap[left]], heap[left]))
            {
                worst = left;
            }

            if (right < size && Better(scores[heap[worst]], heap[worst], scores[heap[right]], heap[right]))
            {
                worst = right;
            }

            if (worst == index)
            {
                return;
            }

            (heap[worst], heap[index]) = (heap[index], heap[worst]);
            index = worst;
        }
    }
}
